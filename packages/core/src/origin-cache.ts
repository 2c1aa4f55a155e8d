import { CorsConfigError, type ProblemList, type CorsConfigProblem } from './errors.js';
import type { OriginValidator } from './options.js';

/**
 * Options of a validator cache: given to `createOriginCache`, or written inline as `validatorCache: { ... }`
 * (a cache of that policy's own).
 *
 * @example
 * createCorsPolicy({ origin: isTenantOrigin, validatorCache: { maxEntries: 10_000, ttl: 300, refusedTtl: 10 } });
 */
export interface ValidatorCacheOptions<Request = any> {
  /**
   * Most answers remembered; the least recently used is dropped first, so memory stays bounded whatever
   * origins arrive. Default 1000.
   * @example maxEntries: 10_000
   */
  readonly maxEntries?: number;
  /**
   * Seconds an allowed answer is trusted. Default 60. Removing a tenant takes effect at once only through
   * `cache.delete(origin)`; without it, a removed tenant keeps access for up to `ttl` seconds.
   * @example ttl: 300
   */
  readonly ttl?: number;
  /**
   * Seconds a refusal is trusted; 0 remembers no refusal. Default: `ttl` or 10, whichever is less. Refusals are
   * remembered because unknown origins repeat (scanners, a misconfigured front end) and each one not remembered
   * is one more database query; they are kept shorter because a tenant added without `cache.delete(origin)`
   * stays refused until its cached refusal expires.
   * @example refusedTtl: 5
   */
  readonly refusedTtl?: number;
  /**
   * What, besides the origin, the validators read from the request: a cached answer is reused only for a request
   * with the same origin and the same key. Required when a validator declares a request parameter
   * (`(origin, request) => ...`). Answers are still grouped by origin, so `cache.delete(origin)` removes them all.
   * If it throws, the origin is refused (reason `validator-error`).
   * @example key: (origin, request) => request.hostname
   */
  readonly key?: (origin: string, request: Request) => string;
}

/**
 * Counters of an origin cache, for metrics: `stats()` returns a fresh copy each time.
 *
 * @example
 * const { hits, misses, size } = tenantOrigins.stats();
 * metrics.gauge('cors.cache.hit_ratio', hits / Math.max(1, hits + misses));
 */
export interface OriginCacheStats {
  /** Answers given from the cache, including requests that shared a validator call still in flight. */
  readonly hits: number;
  /** Validator calls made through the cache: how often the database was asked. */
  readonly misses: number;
  /** Answers held now (allowed, refused, or in flight). */
  readonly size: number;
  /** The bound on `size`. */
  readonly maxEntries: number;
  /** Answers dropped to stay under `maxEntries`. */
  readonly evictions: number;
}

/**
 * A cache of validator answers that the application holds: pass it as `validatorCache` to one or several
 * policies, and tell it when origins change. Made by `createOriginCache`.
 *
 * Invalidation is exact: after `delete(origin)` returns, no request that starts later gets an answer computed
 * before it, and the answer of a validator call for that origin still in flight is not stored.
 *
 * @example
 * const tenantOrigins = createOriginCache({ maxEntries: 10_000, ttl: 300 });
 * app.use(cors({ origin: [isTenantOrigin], validatorCache: tenantOrigins }));
 * tenantOrigins.delete('https://acme.example.com'); // a tenant's origins changed
 */
export interface OriginCache {
  /**
   * Forgets every answer for `origin` (under every key), and makes a validator call for it still in flight
   * store nothing. Pass the origin as browsers send it (`https://acme.example.com`); a spelling that is not
   * (`https://ACME.example.com/`) also forgets the origin browsers send for it. True when something was held.
   * @example tenantOrigins.delete('https://acme.example.com');
   */
  delete(origin: string): boolean;
  /**
   * Forgets every answer, and makes every validator call in flight store nothing. For when changes may have been
   * missed (a lost database connection, say).
   * @example listener.on('reconnect', () => tenantOrigins.clear());
   */
  clear(): void;
  /**
   * The counters.
   * @example console.log(tenantOrigins.stats()); // { hits: 9000, misses: 1000, size: 1000, maxEntries: 10000, evictions: 0 }
   */
  stats(): OriginCacheStats;
  /**
   * The bound on how many answers are held.
   * @example tenantOrigins.maxEntries; // 10000
   */
  readonly maxEntries: number;
  /**
   * Seconds an allowed answer is trusted.
   * @example tenantOrigins.ttl; // 300
   */
  readonly ttl: number;
  /**
   * Seconds a refusal is trusted (0: refusals are not remembered).
   * @example tenantOrigins.refusedTtl; // 10
   */
  readonly refusedTtl: number;
}

/**
 * Creates a cache of validator answers to pass as `validatorCache`, which one or several policies can share
 * (per-route Fastify policies, an API and its admin app) and the application can invalidate. Each policy's
 * answers are kept apart by its validators, so policies with different validators never see each other's answers.
 * Throws `CorsConfigError` for wrong options.
 *
 * @example
 * const tenantOrigins = createOriginCache({ maxEntries: 10_000, ttl: 300, key: (origin, req) => req.hostname });
 * app.use(cors({ origin: [async (origin, req) => tenants.allows(req.hostname, origin)], validatorCache: tenantOrigins }));
 * // when a tenant's origins change (an admin action, a database notification):
 * tenantOrigins.delete('https://acme.example.com');
 */
export function createOriginCache<Request = any>(options: ValidatorCacheOptions<Request> = {}): OriginCache {
  const problems: CorsConfigProblem[] = [];
  const settings = readSettings(options, 'createOriginCache', { add: (path, message, hint) => problems.push({ path, message, hint }) });
  if (problems.length > 0 || settings === undefined) throw new CorsConfigError(problems);
  return new OriginStore(settings);
}

/**
 * A policy's use of an origin cache, made by `compileValidatorCache`. The origin matcher calls `answer` for every
 * origin that reaches the validators.
 */
export interface CompiledValidatorCache {
  /**
   * The cached answer for this origin and request, or else `validate(origin, request)`, remembered. A promise is
   * remembered while in flight, so concurrent requests share one call; a rejection or a throw is never remembered
   * (a throw, also from `key`, propagates to the caller).
   */
  answer(origin: string, request: unknown, validate: (origin: string, request: unknown) => boolean | Promise<boolean>): boolean | Promise<boolean>;
}

/**
 * Compiles the `validatorCache` option of one policy: `true`, `{ maxEntries, ttl, refusedTtl, key }` or a cache
 * from `createOriginCache`. Adds a problem for a wrong value, and for a validator that declares a request
 * parameter while no `key` says what of the request it reads. Undefined when there is nothing to cache.
 */
export function compileValidatorCache(
  option: unknown,
  validators: readonly OriginValidator<any>[],
  problems: Pick<ProblemList, 'add'>,
): CompiledValidatorCache | undefined {
  if (option === undefined || option === false) return undefined;
  let store: OriginStore | undefined;
  if (isOriginCache(option)) {
    store = option;
  } else if (option === true) {
    if (validators.length > 0) store = new OriginStore(DEFAULTS);
  } else if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    problems.add(
      'validatorCache',
      `must be true, false, { maxEntries, ttl, refusedTtl, key } or a cache from createOriginCache, got ${describe(option)}`,
      'e.g. validatorCache: { maxEntries: 1000, ttl: 60 }',
    );
    return undefined;
  } else {
    const settings = readSettings(option, 'validatorCache', problems);
    if (settings !== undefined && validators.length > 0) store = new OriginStore(settings);
  }
  if (store === undefined || validators.length === 0) return undefined;

  if (!store.keyed) {
    let problem = false;
    validators.forEach((validator, i) => {
      if (validator.length < 2) return;
      problem = true;
      const name = validator.name ? `'${validator.name}'` : `#${i + 1}`;
      problems.add(
        'validatorCache',
        `origin validator ${name} reads the request (it declares a second parameter), but cached answers are keyed by origin only, so an answer computed for one request (one Host, one tenant) would be reused for another`,
        'say what it reads: validatorCache: { ttl: 60, key: (origin, request) => request.hostname } (or createOriginCache({ ..., key })); if it only logs with the request, key: () => \'\'',
      );
    });
    if (problem) return undefined;
  }
  return new PolicyCache(store, store.namespaceOf(validators));
}

// ---- implementation ----

/** Marks an origin cache across copies of this package (an ESM and a CommonJS one in one process, say). */
const BRAND = Symbol.for('@cors/core origin cache v1');

interface Settings {
  readonly maxEntries: number;
  readonly ttl: number;
  readonly refusedTtl: number;
  readonly key: ((origin: string, request: any) => string) | undefined;
}

const DEFAULTS: Settings = { maxEntries: 1000, ttl: 60, refusedTtl: 10, key: undefined };
const OPTION_KEYS = ['maxEntries', 'ttl', 'refusedTtl', 'key'];

function readSettings(input: object, prefix: string, problems: Pick<ProblemList, 'add'>): Settings | undefined {
  // Own properties only: a polluted Object.prototype must not change how long answers are trusted.
  const own = (name: string): unknown => (Object.prototype.hasOwnProperty.call(input, name) ? (input as Record<string, unknown>)[name] : undefined);
  let ok = true;
  const maxEntries = own('maxEntries') ?? DEFAULTS.maxEntries;
  if (!(Number.isInteger(maxEntries) && (maxEntries as number) > 0)) {
    ok = false;
    problems.add(`${prefix}.maxEntries`, `must be a positive integer, got ${describe(maxEntries)}`, 'e.g. 1000');
  }
  const ttl = own('ttl') ?? DEFAULTS.ttl;
  if (!(typeof ttl === 'number' && ttl > 0 && Number.isFinite(ttl))) {
    ok = false;
    problems.add(`${prefix}.ttl`, `must be a positive number of seconds, got ${describe(ttl)}`, 'e.g. 60');
  }
  const refusedRaw = own('refusedTtl');
  const refusedTtl = refusedRaw ?? (typeof ttl === 'number' ? Math.min(ttl, DEFAULTS.refusedTtl) : DEFAULTS.refusedTtl);
  if (!(typeof refusedTtl === 'number' && refusedTtl >= 0 && Number.isFinite(refusedTtl))) {
    ok = false;
    problems.add(`${prefix}.refusedTtl`, `must be a number of seconds, 0 or more, got ${describe(refusedTtl)}`, 'e.g. 10; 0 remembers no refusal');
  }
  const key = own('key');
  if (key !== undefined && typeof key !== 'function') {
    ok = false;
    problems.add(`${prefix}.key`, `must be a function (origin, request) => string, got ${describe(key)}`, 'e.g. key: (origin, request) => request.hostname');
  }
  for (const name of Object.keys(input)) {
    if (!OPTION_KEYS.includes(name)) {
      ok = false;
      problems.add(`${prefix}.${name}`, 'is not an option', "use 'maxEntries', 'ttl', 'refusedTtl' and 'key'");
    }
  }
  if (!ok) return undefined;
  return { maxEntries: maxEntries as number, ttl: ttl as number, refusedTtl: refusedTtl as number, key: key as Settings['key'] };
}

function isOriginCache(value: unknown): value is OriginStore {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}

/**
 * One remembered answer: a boolean, or the promise of a call in flight. Its identity is its generation: an answer
 * is stored only into the very entry that was made when its call started. Entries form a list from the most to
 * the least recently used, so a hit and an eviction cost a few pointer moves (a Map used as an LRU, deleting and
 * re-inserting keys, slows down as deleted slots pile up in front of its iteration order).
 */
interface Entry {
  readonly origin: string;
  readonly sub: string;
  value: boolean | Promise<boolean>;
  expires: number;
  newer: Entry | undefined;
  older: Entry | undefined;
}

/** An origin's answers: one entry (the common case), or a Map by sub-key when several keys or policies share it. */
type Slot = Entry | Map<string, Entry>;

/**
 * The cache: origins, each holding its answers by sub-key (the policy's validators, plus the `key`), and one LRU
 * list over all answers. Bounded by the number of answers; every operation but `delete` of a many-keyed origin and
 * `clear` is O(1).
 */
class OriginStore implements OriginCache {
  readonly [BRAND] = true;
  readonly #slots = new Map<string, Slot>();
  readonly #settings: Settings;
  readonly #ttlMs: number;
  readonly #refusedTtlMs: number;
  readonly #ids = new WeakMap<object, number>();
  #nextId = 0;
  #newest: Entry | undefined;
  #oldest: Entry | undefined;
  #count = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;
  /** Bumped by every `delete` and `clear`: a synchronous validator that ran across one stores nothing. */
  #generation = 0;

  constructor(settings: Settings) {
    this.#settings = settings;
    this.#ttlMs = settings.ttl * 1000;
    this.#refusedTtlMs = settings.refusedTtl * 1000;
  }

  get maxEntries(): number {
    return this.#settings.maxEntries;
  }
  get ttl(): number {
    return this.#settings.ttl;
  }
  get refusedTtl(): number {
    return this.#settings.refusedTtl;
  }
  /** @internal */
  get keyed(): boolean {
    return this.#settings.key !== undefined;
  }
  /** @internal */
  get key(): Settings['key'] {
    return this.#settings.key;
  }
  /** @internal */
  get generation(): number {
    return this.#generation;
  }

  delete(origin: string): boolean {
    this.#generation++;
    let removed = this.#deleteOrigin(origin);
    // A spelling browsers never send (upper case, a default port, a trailing slash) also forgets the one they do.
    const normalised = normalise(origin);
    if (normalised !== undefined && normalised !== origin) removed = this.#deleteOrigin(normalised) || removed;
    return removed;
  }

  clear(): void {
    this.#generation++;
    this.#slots.clear();
    this.#newest = this.#oldest = undefined;
    this.#count = 0;
  }

  stats(): OriginCacheStats {
    return { hits: this.#hits, misses: this.#misses, size: this.#count, maxEntries: this.#settings.maxEntries, evictions: this.#evictions };
  }

  /** @internal A number per distinct list of validators, so policies with other validators never share answers. */
  namespaceOf(validators: readonly object[]): string {
    return validators
      .map((validator) => {
        let id = this.#ids.get(validator);
        if (id === undefined) this.#ids.set(validator, (id = this.#nextId++));
        return id;
      })
      .join(',');
  }

  /** @internal The live answer, marked most recently used, or undefined (an expired one is dropped). */
  lookup(origin: string, sub: string, now: number): Entry | undefined {
    const slot = this.#slots.get(origin);
    if (slot === undefined) return undefined;
    const entry = slot instanceof Map ? slot.get(sub) : slot.sub === sub ? slot : undefined;
    if (entry === undefined) return undefined;
    if (entry.expires <= now) {
      this.#drop(entry);
      return undefined;
    }
    this.#hits++;
    if (entry !== this.#newest) {
      this.#unlink(entry);
      this.#link(entry);
    }
    return entry;
  }

  /** @internal Counts one validator call. */
  missed(): void {
    this.#misses++;
  }

  /** @internal Remembers a validator's result: a boolean now, a promise while in flight and then its value. */
  remember(origin: string, sub: string, result: boolean | Promise<boolean>, now: number): void {
    if (result === false && this.#refusedTtlMs === 0) return;
    const expires = now + (result === false ? this.#refusedTtlMs : this.#ttlMs);
    const entry: Entry = { origin, sub, value: result, expires, newer: undefined, older: undefined };
    this.#insert(entry);
    if (typeof result === 'boolean') return;
    result.then(
      (value) => {
        // Deleted, cleared, evicted or replaced meanwhile: this answer predates that, so it is not stored.
        if (!this.#isCurrent(entry)) return;
        if (value === true) {
          entry.value = true;
          entry.expires = Date.now() + this.#ttlMs;
        } else if (this.#refusedTtlMs > 0) {
          entry.value = false;
          entry.expires = Date.now() + this.#refusedTtlMs;
        } else {
          this.#drop(entry);
        }
      },
      () => {
        if (this.#isCurrent(entry)) this.#drop(entry);
      },
    );
  }

  #isCurrent(entry: Entry): boolean {
    const slot = this.#slots.get(entry.origin);
    if (slot === undefined) return false;
    return slot instanceof Map ? slot.get(entry.sub) === entry : slot === entry;
  }

  #insert(entry: Entry): void {
    const { origin, sub } = entry;
    const slot = this.#slots.get(origin);
    if (slot === undefined) {
      this.#slots.set(origin, entry);
    } else if (slot instanceof Map) {
      const old = slot.get(sub);
      if (old !== undefined) this.#forget(old);
      slot.set(sub, entry);
    } else if (slot.sub === sub) {
      this.#forget(slot);
      this.#slots.set(origin, entry);
    } else {
      this.#slots.set(origin, new Map([[slot.sub, slot], [sub, entry]]));
    }
    this.#link(entry);
    this.#count++;
    while (this.#count > this.#settings.maxEntries && this.#oldest !== undefined) {
      this.#drop(this.#oldest);
      this.#evictions++;
    }
  }

  /** Removes a current entry from its origin's slot and from the list. */
  #drop(entry: Entry): void {
    const slot = this.#slots.get(entry.origin);
    if (slot === undefined) return;
    if (slot instanceof Map) {
      if (slot.get(entry.sub) !== entry) return;
      slot.delete(entry.sub);
      if (slot.size === 0) this.#slots.delete(entry.origin);
    } else {
      if (slot !== entry) return;
      this.#slots.delete(entry.origin);
    }
    this.#forget(entry);
  }

  /** Takes an entry out of the list and the count (its slot is dealt with by the caller). */
  #forget(entry: Entry): void {
    this.#unlink(entry);
    this.#count--;
  }

  #deleteOrigin(origin: string): boolean {
    const slot = this.#slots.get(origin);
    if (slot === undefined) return false;
    this.#slots.delete(origin);
    if (slot instanceof Map) for (const entry of slot.values()) this.#forget(entry);
    else this.#forget(slot);
    return true;
  }

  #link(entry: Entry): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest !== undefined) this.#newest.newer = entry;
    this.#newest = entry;
    if (this.#oldest === undefined) this.#oldest = entry;
  }

  #unlink(entry: Entry): void {
    if (entry.newer !== undefined) entry.newer.older = entry.older;
    else if (this.#newest === entry) this.#newest = entry.older;
    if (entry.older !== undefined) entry.older.newer = entry.newer;
    else if (this.#oldest === entry) this.#oldest = entry.newer;
    entry.newer = entry.older = undefined;
  }
}

/** One policy's view of a cache: its sub-key (its validators, plus the key of the request). */
class PolicyCache implements CompiledValidatorCache {
  readonly #store: OriginStore;
  readonly #namespace: string;
  readonly #key: Settings['key'];

  constructor(store: OriginStore, namespace: string) {
    this.#store = store;
    this.#namespace = namespace;
    this.#key = store.key;
  }

  answer(origin: string, request: unknown, validate: (origin: string, request: unknown) => boolean | Promise<boolean>): boolean | Promise<boolean> {
    const store = this.#store;
    let sub = this.#namespace;
    if (this.#key !== undefined) {
      const key: unknown = this.#key(origin, request);
      if (typeof key !== 'string') throw new TypeError(`validatorCache.key returned ${describe(key)}, not a string`);
      sub = `${sub}\n${key}`;
    }
    const now = Date.now();
    const hit = store.lookup(origin, sub, now);
    if (hit !== undefined) return hit.value;
    store.missed();
    const generation = store.generation;
    const result = validate(origin, request);
    // A delete or clear while a synchronous validator ran: its answer may predate the change.
    if (store.generation === generation) store.remember(origin, sub, result, now);
    return result;
  }
}

/** The origin browsers would send for a URL-like string, or undefined. */
function normalise(origin: string): string | undefined {
  try {
    const serialised = new URL(origin).origin;
    return serialised === 'null' ? undefined : serialised;
  } catch {
    return undefined;
  }
}
