// A small SVG writer for the benchmark chart: grouped bars with interquartile whiskers, and line charts with
// linear or logarithmic x axes. No dependency; the output is a standalone SVG file.

export const COLORS = { none: '#9e9e9e', floor: '#a9cbe8', peer: '#e8833a', ours: '#2f6fbd' };
const SERIES = ['#2f6fbd', '#c0392b', '#27ae60', '#8e44ad', '#d4a017', '#16a0a0', '#e8833a'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

export function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

function num(x) {
  return Number.isFinite(x) ? Number(x.toFixed(2)) : 0;
}

export function text(x, y, content, { size = 12, anchor = 'start', weight = 'normal', fill = '#222', rotate = null } = {}) {
  const transform = rotate === null ? '' : ` transform="rotate(${rotate} ${num(x)} ${num(y)})"`;
  return `<text x="${num(x)}" y="${num(y)}" font-size="${size}" text-anchor="${anchor}" font-weight="${weight}" fill="${fill}"${transform}>${esc(content)}</text>`;
}

function line(x1, y1, x2, y2, stroke = '#ccc', width = 1, extra = '') {
  return `<line x1="${num(x1)}" y1="${num(y1)}" x2="${num(x2)}" y2="${num(y2)}" stroke="${stroke}" stroke-width="${width}"${extra}/>`;
}

/** Round tick values from 0 (or `min`) to at least `max`. */
export function niceTicks(max, count = 5, min = 0) {
  const span = max - min;
  if (!(span > 0)) return [min, min + 1];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const ticks = [];
  for (let v = Math.floor(min / step) * step; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function formatNumber(v) {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(0)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  if (a === 0) return '0';
  return v.toPrecision(2);
}

/** Axis labels for counts and sizes: 1, 10, 1,000, 10k. */
export function formatTick(v) {
  if (Number.isInteger(v) && Math.abs(v) < 1e4) return v.toLocaleString('en-US');
  return formatNumber(v);
}

/** A panel's white box, title and optional subtitle. */
function panelFrame(x, y, w, h, title, subtitle) {
  const out = [`<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="#fff" stroke="#e3e3e3"/>`];
  out.push(text(x + w / 2, y + 17, title, { size: 13, anchor: 'middle', weight: 'bold' }));
  if (subtitle) out.push(text(x + w / 2, y + 32, subtitle, { size: 10.5, anchor: 'middle', fill: '#555' }));
  return out;
}

/**
 * Grouped bars. `groups`: [{ label, bars: [{ value, q1, q3, color, label }] }]. Whiskers show q1..q3.
 * Returns an SVG fragment placed at (x, y), `w` by `h`.
 */
export function barPanel({ x, y, w, h, title, subtitle, yLabel, groups, note }) {
  const out = [];
  const left = 52;
  const top = subtitle ? 40 : 28;
  const bottom = 42;
  const plotW = w - left - 10;
  const plotH = h - top - bottom;
  const px = x + left;
  const py = y + top;
  out.push(...panelFrame(x, y, w, h, title, subtitle));
  const values = groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.q3]).filter(Number.isFinite));
  const ticks = niceTicks(Math.max(...values, 1e-9));
  const max = ticks[ticks.length - 1];
  const Y = (v) => py + plotH - (Math.max(0, v) / max) * plotH;
  for (const t of ticks) {
    out.push(line(px, Y(t), px + plotW, Y(t), '#eee'));
    out.push(text(px - 5, Y(t) + 4, formatNumber(t), { size: 10, anchor: 'end', fill: '#666' }));
  }
  out.push(line(px, py, px, py + plotH, '#999'));
  out.push(line(px, py + plotH, px + plotW, py + plotH, '#999'));
  if (yLabel) out.push(text(x + 12, py + plotH / 2, yLabel, { size: 10.5, anchor: 'middle', fill: '#444', rotate: -90 }));
  const groupW = plotW / Math.max(1, groups.length);
  groups.forEach((g, gi) => {
    const gx = px + gi * groupW;
    const barW = Math.min(26, (groupW * 0.8) / Math.max(1, g.bars.length));
    const startX = gx + (groupW - barW * g.bars.length) / 2;
    g.bars.forEach((b, bi) => {
      const bx = startX + bi * barW;
      if (!Number.isFinite(b.value)) {
        out.push(text(bx + barW / 2, py + plotH - 4, 'n/a', { size: 9, anchor: 'middle', fill: '#999' }));
        return;
      }
      const top = Y(b.value);
      out.push(
        `<rect x="${num(bx + 1)}" y="${num(top)}" width="${num(barW - 2)}" height="${num(py + plotH - top)}" fill="${b.color}"><title>${esc(b.label ?? '')}: ${esc(formatNumber(b.value))}</title></rect>`,
      );
      if (Number.isFinite(b.q1) && Number.isFinite(b.q3) && b.q3 > b.q1) {
        const cx = bx + barW / 2;
        out.push(line(cx, Y(b.q1), cx, Y(b.q3), '#222', 1));
        out.push(line(cx - 3, Y(b.q1), cx + 3, Y(b.q1), '#222', 1));
        out.push(line(cx - 3, Y(b.q3), cx + 3, Y(b.q3), '#222', 1));
      }
      // Narrow bars get shorter labels so that neighbours do not overlap.
      const narrow = barW < 26;
      const label = narrow && Math.abs(b.value) >= 100 ? b.value.toFixed(0) : formatNumber(b.value);
      out.push(text(bx + barW / 2, top - 3, label, { size: narrow ? 7.5 : 8.5, anchor: 'middle', fill: '#333' }));
    });
    const words = String(g.label).split(' ');
    const half = Math.ceil(words.length / 2);
    const lines = words.length > 2 ? [words.slice(0, half).join(' '), words.slice(half).join(' ')] : [g.label];
    lines.forEach((l, li) => out.push(text(gx + groupW / 2, py + plotH + 14 + li * 12, l, { size: 10.5, anchor: 'middle', fill: '#333' })));
  });
  if (note) out.push(text(x + w - 6, y + h - 4, note, { size: 9.5, anchor: 'end', fill: '#777' }));
  return out.join('\n');
}

/**
 * Lines. `series`: [{ name, color?, points: [[x, y], ...], dashed? }]. `xLog` for a log10 x axis.
 */
export function linePanel({ x, y, w, h, title, subtitle, xLabel, yLabel, series, xLog = false, xTicks, note, legendColumns = 1 }) {
  const rows = Math.ceil(series.length / legendColumns);
  const out = [];
  const left = 56;
  const top = subtitle ? 40 : 28;
  const bottom = 40;
  const plotW = w - left - 14;
  const plotH = h - top - bottom;
  const px = x + left;
  const py = y + top;
  out.push(...panelFrame(x, y, w, h, title, subtitle));
  const pts = series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  if (pts.length === 0) {
    out.push(text(x + w / 2, y + h / 2, 'no data', { size: 12, anchor: 'middle', fill: '#999' }));
    return out.join('\n');
  }
  const xs = pts.map((p) => p[0]);
  const tx = (v) => (xLog ? Math.log10(v) : v);
  const xmin = xLog ? Math.min(...xs) : 0;
  const xmax = Math.max(...xs);
  const X = (v) => px + ((tx(v) - tx(xmin)) / (tx(xmax) - tx(xmin) || 1)) * plotW;
  // Head-room above the highest point for the legend.
  const headroom = 1 + (rows * 14 + 24) / (h - top - bottom);
  const yTicks = niceTicks(Math.max(...pts.map((p) => p[1])) * headroom);
  const ymax = yTicks[yTicks.length - 1];
  const Y = (v) => py + plotH - (v / ymax) * plotH;
  for (const t of yTicks) {
    out.push(line(px, Y(t), px + plotW, Y(t), '#eee'));
    out.push(text(px - 5, Y(t) + 4, formatNumber(t), { size: 10, anchor: 'end', fill: '#666' }));
  }
  const ticksX = xTicks ?? (xLog ? [...new Set(xs)].sort((a, b) => a - b) : niceTicks(xmax));
  for (const t of ticksX) {
    out.push(line(X(t), py + plotH, X(t), py + plotH + 4, '#999'));
    out.push(text(X(t), py + plotH + 16, formatTick(t), { size: 10, anchor: 'middle', fill: '#666' }));
  }
  out.push(line(px, py, px, py + plotH, '#999'));
  out.push(line(px, py + plotH, px + plotW, py + plotH, '#999'));
  if (xLabel) out.push(text(px + plotW / 2, y + h - 6, xLabel, { size: 10.5, anchor: 'middle', fill: '#444' }));
  if (yLabel) out.push(text(x + 12, py + plotH / 2, yLabel, { size: 10.5, anchor: 'middle', fill: '#444', rotate: -90 }));
  // Legend inside the plot, top left, in the head-room.
  const colW = (plotW - 8) / legendColumns;
  out.push(`<rect x="${num(px + 6)}" y="${num(py + 4)}" width="${num(colW * legendColumns - 4)}" height="${num(rows * 14 + 6)}" fill="#fff" fill-opacity="0.85"/>`);
  series.forEach((s, i) => {
    const color = s.color ?? SERIES[i % SERIES.length];
    const lx = px + 10 + (i % legendColumns) * colW;
    const ly = py + 14 + Math.floor(i / legendColumns) * 14;
    out.push(line(lx, ly - 4, lx + 16, ly - 4, color, 2, s.dashed ? ' stroke-dasharray="5,4"' : ''));
    out.push(text(lx + 20, ly, s.name, { size: 10, fill: '#333' }));
  });
  series.forEach((s, i) => {
    const color = s.color ?? SERIES[i % SERIES.length];
    const p = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).sort((a, b) => a[0] - b[0]);
    if (p.length === 0) return;
    const d = p.map(([a, b], k) => `${k ? 'L' : 'M'}${num(X(a))},${num(Y(b))}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5,4"' : ''}/>`);
    for (const [a, b] of p) {
      out.push(`<circle cx="${num(X(a))}" cy="${num(Y(b))}" r="3" fill="${color}"><title>${esc(s.name)}: ${esc(formatNumber(a))} → ${esc(formatNumber(b))}</title></circle>`);
    }
  });
  if (note) out.push(text(x + w - 6, y + h - 4, note, { size: 9.5, anchor: 'end', fill: '#777' }));
  return out.join('\n');
}

export function legend(x, y, items) {
  const out = [];
  let cx = x;
  for (const { color, label } of items) {
    out.push(`<rect x="${num(cx)}" y="${num(y - 10)}" width="12" height="12" fill="${color}"/>`);
    out.push(text(cx + 16, y, label, { size: 11.5 }));
    cx += 22 + label.length * 6.6;
  }
  return out.join('\n');
}

export function document(width, height, body) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT}>`,
    `<rect width="${width}" height="${height}" fill="#fafafa"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}
