// A child process driven by messages: the parent sends `{ id, type, ...args }` and awaits `{ id, ok, value }`.
// A child that exits or crashes rejects everything pending, and every later call, with what it printed.
import { fork } from 'node:child_process';

export class Child {
  /**
   * @param {string} script absolute path of the child's module
   * @param {string[]} args its arguments
   * @param {{ execArgv?: string[], name: string }} options
   */
  constructor(script, args, { execArgv = [], name, cpu = null }) {
    this.name = name;
    this.pending = new Map();
    this.nextId = 1;
    this.exited = null;
    this.stderr = '';
    // Pinned to one core with taskset when asked: `taskset -c N node [flags] script args`, the IPC channel
    // passes through the exec.
    const pin = cpu === null ? {} : { execPath: 'taskset', execArgv: ['-c', String(cpu), process.execPath, ...execArgv] };
    this.proc = fork(script, args, { execArgv, ...pin, stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'advanced' });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    this.ready = new Promise((resolve, reject) => {
      this.readyWaiter = { resolve, reject };
    });
    this.ready.catch(() => {});
    this.proc.on('message', (msg) => {
      if (msg.id === -1) {
        if (msg.ok) this.readyWaiter.resolve(msg.value);
        else this.readyWaiter.reject(new Error(`${name} failed to start: ${msg.error}`));
        return;
      }
      const waiter = this.pending.get(msg.id);
      if (!waiter) return;
      this.pending.delete(msg.id);
      if (msg.ok) waiter.resolve(msg.value);
      else waiter.reject(new Error(msg.error));
    });
    this.proc.on('exit', (code, signal) => {
      this.exited = { code, signal };
      const detail = this.stderr.trim() ? `\n${indent(this.stderr.trim())}` : '';
      const error = new Error(`${name} exited (${signal ?? `code ${code}`})${detail}`);
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
      this.exitError = error;
      this.readyWaiter.reject(error);
    });
    this.proc.on('error', (error) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  async call(type, args = {}, timeoutMs = 120_000) {
    await this.ready;
    return this.send(type, args, timeoutMs);
  }

  send(type, args, timeoutMs) {
    if (this.exited) return Promise.reject(this.exitError ?? new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.proc.send({ id, type, ...args });
    });
  }

  /** Asks the child to exit, and kills it if it does not within a few seconds. */
  async stop() {
    if (this.exited) return;
    const gone = new Promise((resolve) => this.proc.once('exit', resolve));
    try {
      this.proc.send({ id: 0, type: 'exit' });
    } catch {
      // Already disconnected.
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * The child's side: `handlers[type](args)` may return a value or a promise. Call it once the child is ready
 * (messages sent before are lost, so the parent waits for the ready signal this sends).
 */
export function serve(handlers) {
  process.on('message', async (msg) => {
    if (msg.type === 'exit') {
      await handlers.exit?.();
      process.disconnect?.();
      // Let a --cpu-prof profile be written before leaving.
      setImmediate(() => process.exit(0));
      return;
    }
    try {
      const handler = handlers[msg.type];
      if (!handler) throw new Error(`no handler for ${msg.type}`);
      const value = await handler(msg);
      process.send({ id: msg.id, ok: true, value });
    } catch (error) {
      process.send({ id: msg.id, ok: false, error: error?.stack ?? String(error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ id: -1, ok: true, value: 'ready' });
}

/** Runs the child's start-up; if it throws, tells the parent why and exits non-zero. */
export async function start(setup) {
  try {
    return await setup();
  } catch (error) {
    process.send?.({ id: -1, ok: false, error: error?.stack ?? String(error) });
    process.exitCode = 1;
    setImmediate(() => process.exit(1));
    return new Promise(() => {});
  }
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}
