export { withCors } from './with-cors.js';
export type { NodeCorsRequest } from './with-cors.js';
export { isAnswered, writeCorsHeaders, writeDecision, writeLateDecision } from './write-decision.js';
export type { NodeCorsResponse } from './write-decision.js';
export { applyKeptVary, keepCorsHeaders, keepVary } from './head-hook.js';
export { keepVaryAtWriteHead } from './write-head-vary.js';
export { createPolicyTag } from './policy-tag.js';
export type { PolicyTag } from './policy-tag.js';
export type { NodeVaryResponse } from './head-hook.js';
export { CorsConfigError } from '@cors/core';
export type {
  CorsConfigProblem,
  CorsDecision,
  CorsOptions,
  OriginEntry,
  OriginValidator,
  RefusalCode,
  RefusalReason,
  ValidatorCacheOptions,
} from '@cors/core';
