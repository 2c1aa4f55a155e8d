// @cors/doctor: what a browser would conclude about a cross-origin request to a live server, and what an
// attacker's scanner would find there. The same objects `cors-doctor --json` prints.
export { diagnose } from './diagnose.js';
export type { DiagnoseOptions } from './diagnose.js';
export { audit, PUBLIC_HOSTING, SPECIAL_CHARS } from './audit.js';
export type { AuditOptions } from './audit.js';
export { formatAudit, formatDiagnosis } from './format.js';
export type { FormatOptions } from './format.js';
export { main, USAGE, wantsColour } from './main.js';
export type { CliIo } from './main.js';
export { DoctorUsageError } from './options.js';
export { parseRefusal, identifyServer } from './server-side.js';
export { FAILURE_STEPS, FINDING_IDS, SEVERITIES } from './types.js';
export type {
  AuditReport,
  Check,
  Diagnosis,
  Evidence,
  Exchange,
  Failure,
  FailureStep,
  Finding,
  FindingId,
  HeaderPair,
  MiddlewareName,
  ProbeAnswer,
  ProbeResult,
  ReceivedResponse,
  SentRequest,
  ServerIdentity,
  ServerRefusal,
  Severity,
  Step,
} from './types.js';
export { VERSION } from './version.js';
