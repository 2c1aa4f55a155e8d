// Prints "tests: N passed, M failed" from Vitest's JSON reports (plus extra smoke results), and exits non-zero
// when anything failed or a test command itself failed.
//
//   node .ci/summarize.mjs REPORT STATUS [LABEL REPORT STATUS]...
//
// The first REPORT is the whole suite on the machine's Node; REPORT.extra, when present, holds the smoke runs'
// `pass <name>` / `fail <name>: <why>` lines. Each further LABEL REPORT STATUS is another run (the suites run
// again on another Node version). Each run gets one line saying what it ran; the last line sums them all.
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);
if (args.length < 2 || (args.length - 2) % 3 !== 0) {
  console.error('usage: node .ci/summarize.mjs REPORT STATUS [LABEL REPORT STATUS]...');
  process.exit(2);
}
const runs = [{ label: `the whole suite and the smoke runs on the machine's Node ${process.version}`, report: args[0], status: args[1], extra: true }];
for (let i = 2; i < args.length; i += 3) runs.push({ label: args[i], report: args[i + 1], status: args[i + 2], extra: false });

/** The counts of one run, from its report (and smoke results). */
function count({ report: reportPath, status, extra }) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const notes = [];
  if (existsSync(reportPath)) {
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    passed = report.numPassedTests ?? 0;
    failed = report.numFailedTests ?? 0;
    skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    // A suite that failed to load has no tests in the counts; count it as a failure.
    for (const file of report.testResults ?? []) {
      if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed += 1;
    }
  } else {
    failed += 1;
    notes.push(`no test report at ${reportPath}: the test command did not get as far as running tests`);
  }
  if (extra && existsSync(`${reportPath}.extra`)) {
    for (const line of readFileSync(`${reportPath}.extra`, 'utf8').split('\n')) {
      if (line.startsWith('pass ')) passed += 1;
      else if (line.startsWith('fail ')) failed += 1;
    }
  }
  if (Number(status) !== 0 && failed === 0) {
    failed = 1;
    notes.push(`the command exited with ${status}`);
  }
  return { passed, failed, skipped, notes, ok: failed === 0 && Number(status) === 0 };
}

let passed = 0;
let failed = 0;
let ok = true;
for (const run of runs) {
  const counts = count(run);
  passed += counts.passed;
  failed += counts.failed;
  ok &&= counts.ok;
  // Worded so that only the last line reads as the closing "N passed, M failed" line.
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
  console.log(`- ${run.label}: ${counts.passed} tests passed and ${counts.failed} failed${skipped}`);
  for (const note of counts.notes) console.log(`  ${note}`);
}
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(ok ? 0 : 1);
