/**
 * @module admission/cache/lru-ttl-cache
 *
 * A bounded cache of loaded values with three properties the admission path
 * needs:
 *
 * - **Size bound (LRU).** At most `maxEntries` values; reading an entry makes
 *   it the most recently used, and adding one past the bound evicts the least
 *   recently used. A Map keeps insertion order, so "move to the end" is a
 *   delete and a set.
 * - **Time bound (TTL).** Each entry expires `ttlMs` after it was stored; the
 *   TTL is chosen per entry (a verdict that denies may be kept for less time
 *   than one that admits), and can be shortened later.
 * - **Single flight.** While a value is being loaded, every other request for
 *   the same key waits for that one load instead of starting its own: 200
 *   concurrent reviews of a new image cost one metadata fetch and one
 *   verification, not 200. A load that fails is not stored; everyone waiting
 *   on it sees the failure, and the next request loads again.
 *
 * The clock is injectable so expiry can be tested without waiting.
 */

/** How a value was obtained: stored and fresh, joined to a load in flight, or loaded now. */
export type CacheResult = "hit" | "shared" | "miss";

export interface LruTtlCacheOptions {
  readonly maxEntries: number;
  /** Milliseconds since some epoch (default `Date.now`). */
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  expiresAt: number;
}

/** A stored value and when it expires (on the cache's clock). */
export interface StoredValue<V> {
  readonly value: V;
  readonly expiresAt: number;
}

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly shared: number;
  readonly evictions: number;
  readonly size: number;
}

export class LruTtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #loading = new Map<string, Promise<V>>();
  readonly #maxEntries: number;
  readonly #now: () => number;
  #hits = 0;
  #misses = 0;
  #shared = 0;
  #evictions = 0;

  constructor(options: LruTtlCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) throw new Error("maxEntries must be a positive integer");
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** The fresh value for `key`, if stored (and marks it most recently used). */
  peek(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** The cache's clock. */
  now(): number {
    return this.#now();
  }

  /** The value for `key` and its expiry, if it is stored and fresh; changes nothing (no reordering, no count). */
  fresh(key: string): StoredValue<V> | undefined {
    const entry = this.#entries.get(key);
    return entry !== undefined && entry.expiresAt > this.#now() ? entry : undefined;
  }

  /**
   * The values for every key, in order, and when the first of them expires,
   * if all are stored and fresh: each then counts as a hit and is marked most
   * recently used. If any is not, undefined, and nothing changes.
   */
  freshAll(keys: readonly string[]): { readonly values: V[]; readonly expiresAt: number } | undefined {
    const now = this.#now();
    const entries: Entry<V>[] = [];
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (entry === undefined || entry.expiresAt <= now) return undefined;
      entries.push(entry);
    }
    let expiresAt = Infinity;
    keys.forEach((key, i) => {
      const entry = entries[i]!;
      this.#entries.delete(key);
      this.#entries.set(key, entry);
      expiresAt = Math.min(expiresAt, entry.expiresAt);
    });
    this.#hits += keys.length;
    return { values: entries.map((entry) => entry.value), expiresAt };
  }

  /** Stores `value` for `ttlMs` (nothing is stored for a TTL of 0 or less). */
  set(key: string, value: V, ttlMs: number): void {
    this.#entries.delete(key);
    if (ttlMs <= 0) return;
    this.#entries.set(key, { value, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
      this.#evictions += 1;
    }
  }

  /** Makes a stored entry expire no later than `ttlMs` from now. */
  shorten(key: string, ttlMs: number): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.expiresAt = Math.min(entry.expiresAt, this.#now() + ttlMs);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /**
   * The value for `key`: stored, shared with a load in flight, or loaded by
   * `load` and stored for `ttlOf(value)` milliseconds. A rejected load is not
   * stored.
   */
  getOrLoad(key: string, load: () => Promise<V>, ttlOf: (value: V) => number): { readonly value: Promise<V>; readonly result: CacheResult } {
    const stored = this.peek(key);
    if (stored !== undefined) {
      this.#hits += 1;
      return { value: Promise.resolve(stored), result: "hit" };
    }
    const inFlight = this.#loading.get(key);
    if (inFlight !== undefined) {
      this.#shared += 1;
      return { value: inFlight, result: "shared" };
    }
    this.#misses += 1;
    const loading = (async () => {
      try {
        const value = await load();
        this.set(key, value, ttlOf(value));
        return value;
      } finally {
        this.#loading.delete(key);
      }
    })();
    this.#loading.set(key, loading);
    return { value: loading, result: "miss" };
  }

  get size(): number {
    return this.#entries.size;
  }

  stats(): CacheStats {
    return { hits: this.#hits, misses: this.#misses, shared: this.#shared, evictions: this.#evictions, size: this.#entries.size };
  }
}
