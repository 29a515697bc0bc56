/**
 * @module admission/cache/decision-cache
 *
 * The third admission cache: whole **decisions**, reused for requests with
 * the same subject (admission/admission-subject: namespace, operation, kind,
 * and every container's path, name and image; not the object's uid or name)
 * under the same policy set. A warm webhook sees the same few Pods over and
 * over, and judging one from warm caches still walks every image and
 * authority; a kept decision costs one lookup.
 *
 * Nothing is decided here, and nothing is kept longer than what it was made
 * from:
 *
 * - only a decision made entirely from stored answers and stored verdicts is
 *   kept (the reviewer checks that), and it expires when the first of them
 *   would (`storedUntil`), so a new attestation or vulnerability counts as
 *   soon as it would without this cache;
 * - a decision belongs to the policy set it was made under: any policy or
 *   key change swaps the set, and the next review judges afresh (from the
 *   warm answer and verdict caches, so the cost is a few microseconds, not a
 *   verification);
 * - flushing either of the other caches, or shortening an answer, ends every
 *   kept decision (their `generation`s move);
 * - the reviewer keeps only plain admissions: no warning, no breakglass, no
 *   attestation to store. Everything else is judged every time.
 *
 * Bounded by `maxEntries`, oldest first out: a kept decision lives at most
 * as long as an answer (30 s by default), so recency buys little, and a hit
 * is then one map lookup (no reordering).
 *
 * A hit asks neither of the other caches, so their hit counters do not move;
 * it counts as `scriba_admission_cache_requests_total{cache="decision"}`.
 */
import type { PolicySet } from "../../policy/policy-set.js";
import type { AdmissionMetrics } from "../admission-metrics.js";
import type { AnswerCache } from "./answer-cache.js";
import type { CacheStats } from "./lru-ttl-cache.js";
import { LruTtlCache } from "./lru-ttl-cache.js";
import type { VerificationCache } from "./verification-cache.js";

export interface DecisionCacheOptions {
  /** The caches the kept decisions are made from. */
  readonly answers: AnswerCache;
  readonly verdicts: VerificationCache;
  /** The most decisions kept (default 10 000). */
  readonly maxEntries?: number;
  /** The clock of the other two caches (default `Date.now`). */
  readonly now?: () => number;
  readonly metrics?: AdmissionMetrics | undefined;
}

/** The state of the other two caches when a review began reading them. */
export interface CacheGenerations {
  readonly answers: number;
  readonly verdicts: number;
}

interface Kept<T> {
  readonly policies: PolicySet;
  readonly generations: CacheGenerations;
  readonly value: T;
}

export class DecisionCache<T> {
  readonly #cache: LruTtlCache<Kept<T>>;
  readonly #answers: AnswerCache;
  readonly #verdicts: VerificationCache;
  readonly #metrics: AdmissionMetrics | undefined;
  #hits = 0;
  #misses = 0;

  constructor(options: DecisionCacheOptions) {
    this.#cache = new LruTtlCache({ maxEntries: options.maxEntries ?? 10_000, ...(options.now ? { now: options.now } : {}) });
    this.#answers = options.answers;
    this.#verdicts = options.verdicts;
    this.#metrics = options.metrics;
  }

  /** Read before a review reads the other caches, and handed back to {@link DecisionCache.keep}. */
  generations(): CacheGenerations {
    return { answers: this.#answers.generation, verdicts: this.#verdicts.generation };
  }

  /** The decision kept for `key` under `policies`, if it is still valid. */
  get(key: string, policies: PolicySet): T | undefined {
    // Looked up without reordering: oldest first out (see the module comment).
    const kept = this.#cache.fresh(key)?.value;
    const valid =
      kept !== undefined &&
      kept.policies === policies &&
      kept.generations.answers === this.#answers.generation &&
      kept.generations.verdicts === this.#verdicts.generation;
    if (valid) this.#hits += 1;
    else {
      this.#misses += 1;
      // Whatever made it invalid (a flush, a new policy set) never reverts.
      if (kept !== undefined) this.#cache.delete(key);
    }
    this.#metrics?.cacheRequests.inc({ cache: "decision", result: valid ? "hit" : "miss" });
    return valid ? kept.value : undefined;
  }

  /**
   * Keeps `value`, made under `policies` from cache contents read at
   * `generations` that stay fresh until `storedUntil`.
   */
  keep(key: string, policies: PolicySet, value: T, storedUntil: number, generations: CacheGenerations): void {
    this.#cache.set(key, { policies, generations, value }, storedUntil - this.#cache.now());
  }

  clear(): void {
    this.#cache.clear();
  }

  stats(): CacheStats {
    return { ...this.#cache.stats(), hits: this.#hits, misses: this.#misses };
  }
}
