/**
 * Marks an adapter's middleware with the policy it applies, so that the first `cors()` a preflight reaches can
 * find a policy nearer to the route (Express's and Koa's nearest-policy look-ups). The mark and the count of
 * marked middlewares live under `Symbol.for` keys, so that an adapter's ESM and CommonJS copies share them.
 *
 * @example
 * const policies: PolicyTag<CorsPolicy> = createPolicyTag('@cors/koa');
 */
export interface PolicyTag<P> {
  /** Marks `middleware` as applying `policy`. */
  tag(middleware: object, policy: P): void;
  /** The policy `handle` applies, when it is a middleware this tag marked. */
  policyOf(handle: unknown): P | undefined;
  /** Whether more than one middleware was marked: only then can another policy be nearer than a middleware's own. */
  several(): boolean;
}

/**
 * The policy tag of one adapter, named by its package.
 *
 * @example
 * const policies = createPolicyTag<CorsPolicy>('@cors/koa');
 * policies.tag(corsMiddleware, policy);
 * if (policies.several()) for (const fn of app.middleware) policies.policyOf(fn);
 */
export function createPolicyTag<P>(name: string): PolicyTag<P> {
  const mark = Symbol.for(`${name} policy`);
  const madeKey = Symbol.for(`${name} policies made`);
  const made = ((globalThis as Record<symbol, unknown>)[madeKey] ??= { count: 0 }) as { count: number };
  return {
    tag(middleware, policy) {
      Object.defineProperty(middleware, mark, { value: policy });
      made.count++;
    },
    policyOf(handle) {
      return typeof handle === 'function' ? (handle as unknown as Record<symbol, P | undefined>)[mark] : undefined;
    },
    several() {
      return made.count > 1;
    },
  };
}
