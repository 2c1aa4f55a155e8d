// Superseded by origin-cache.ts (createOriginCache, compileValidatorCache); the policy no longer uses this class.
// It stays only while test/validators.test.ts imports it, and options.ts imports the options type from here.
import type { ValidatorCacheOptions } from './origin-cache.js';

export type { ValidatorCacheOptions } from './origin-cache.js';

interface Entry {
  value: boolean | Promise<boolean>;
  expires: number;
}

/**
 * A bounded LRU with expiry for validator results, keyed by origin. A pending promise is stored too, so
 * concurrent requests from one origin share one validator call. Failures are never cached.
 */
export class ValidatorCache {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;

  constructor(options: ValidatorCacheOptions, private readonly now: () => number = Date.now) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.ttlMs = (options.ttl ?? 60) * 1000;
  }

  get size(): number {
    return this.entries.size;
  }

  get(origin: string): boolean | Promise<boolean> | undefined {
    const entry = this.entries.get(origin);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(origin);
      return undefined;
    }
    // Re-insert to mark as most recently used.
    this.entries.delete(origin);
    this.entries.set(origin, entry);
    return entry.value;
  }

  set(origin: string, value: boolean | Promise<boolean>): void {
    this.entries.delete(origin);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    const entry: Entry = { value, expires: this.now() + this.ttlMs };
    this.entries.set(origin, entry);
    if (typeof value !== 'boolean') {
      value.then(
        (result) => {
          if (this.entries.get(origin) === entry) entry.value = result;
        },
        () => {
          if (this.entries.get(origin) === entry) this.entries.delete(origin);
        },
      );
    }
  }
}
