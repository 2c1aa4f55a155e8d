/**
 * One thing wrong with a CORS configuration, found in {@link CorsConfigError.problems}.
 *
 * @example
 * // createCorsPolicy({ origin: 'https://app.example.com', allowHeaders: ['x-id'] }) throws with the problem
 * const problem: CorsConfigProblem = { path: 'allowHeaders', message: 'is not an option', hint: "did you mean 'allowedHeaders'?" };
 */
export interface CorsConfigProblem {
  /**
   * Where the problem is, e.g. `origin[2]` or `maxAge`.
   * @example 'origin[2]'
   */
  readonly path: string;
  /**
   * What is wrong.
   * @example 'is not an option'
   */
  readonly message: string;
  /**
   * How to fix it.
   * @example "did you mean 'allowedHeaders'?"
   */
  readonly hint: string;
}

/**
 * Thrown by `createCorsPolicy` (and so by every adapter at start-up) when the configuration is wrong.
 * It lists every problem at once, not only the first.
 *
 * @example
 * try { createCorsPolicy({ origin: '*', credentials: true }); }
 * catch (error) { if (error instanceof CorsConfigError) console.error(error.problems); }
 */
export class CorsConfigError extends Error {
  /**
   * Every problem found, in option order.
   * @example
   * for (const { path, message, hint } of error.problems) console.error(`${path}: ${message} (${hint})`);
   */
  readonly problems: readonly CorsConfigProblem[];

  constructor(problems: readonly CorsConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((p) => `  - ${p.path}: ${p.message}\n    hint: ${p.hint}`);
    super(`Invalid CORS configuration (${count}):\n${lines.join('\n')}`);
    this.name = 'CorsConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

/** Collects problems while options are compiled; throws them together at the end. */
export class ProblemList {
  readonly items: CorsConfigProblem[] = [];

  add(path: string, message: string, hint: string): void {
    this.items.push({ path, message, hint });
  }

  throwIfAny(): void {
    if (this.items.length > 0) throw new CorsConfigError(this.items);
  }
}
