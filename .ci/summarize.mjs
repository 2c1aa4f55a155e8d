// Prints "tests: N passed, M failed" from Vitest's JSON report (plus extra smoke results), and exits non-zero
// when anything failed or the test command itself failed.
import { existsSync, readFileSync } from 'node:fs';

const [reportPath, status] = process.argv.slice(2);
let passed = 0;
let failed = 0;
if (existsSync(reportPath)) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
  // A suite that failed to load has no tests in the counts; count it as a failure.
  for (const file of report.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed += 1;
  }
} else {
  failed += 1;
  console.log(`no test report at ${reportPath}: the test command did not get as far as running tests`);
}
const extraPath = `${reportPath}.extra`;
if (existsSync(extraPath)) {
  for (const line of readFileSync(extraPath, 'utf8').split('\n')) {
    if (line.startsWith('pass ')) passed += 1;
    else if (line.startsWith('fail ')) failed += 1;
  }
}
if (Number(status) !== 0 && failed === 0) failed = 1;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || Number(status) !== 0 ? 1 : 0);
