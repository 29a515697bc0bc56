/**
 * @module admission/cache/answer-cache
 *
 * The first of the two admission caches: the metadata server's **answers**
 * (the occurrences of a note for an image; the VULNERABILITY occurrences of
 * an image in a project), reused for a short while so a warm review makes no
 * network call at all. This cache is the freshness knob; the verification
 * cache (./verification-cache.ts) is keyed by content and never serves a
 * verdict for occurrences other than the ones it verified.
 *
 * Key: the query itself — the operation, the note name or project, and every
 * resource URI spelling asked for. Nothing about policies is in it: the same
 * question has the same answer whichever policy asks, so a policy change
 * invalidates nothing here (a changed `noteReference` or
 * `vulnerabilityProjects` simply asks another question).
 *
 * TTL:
 * - `ttlMs` (default 30 s) for an answer;
 * - `negativeTtlMs` (default 2 s) for an attestation answer in which no
 *   authority found a verified attestation: the reviewer shortens it after
 *   judging (see {@link AnswerCache.shortenAttestations}), so "sign, then
 *   retry" is not refused from a stale answer for long;
 * - a failed call (unreachable, timeout, a malformed reply) is never stored:
 *   everyone waiting on it gets the failure, and the next review asks again.
 *
 * Concurrent reviews asking the same question share one call (single flight).
 * The shared call runs without any one caller's abort signal (bounded by the
 * source's own per-call timeout instead), so a reviewer that gives up does
 * not fail the others; each reviewer still races the call against its own
 * deadline (admission/metadata-fetch).
 */
import type { AdmissionMetrics } from "../admission-metrics.js";
import type { MetadataSource } from "../metadata-source.js";
import { decorateMetadataSource } from "../metadata-source.js";
import { answerVersion } from "./answer-version.js";
import type { CacheResult, CacheStats } from "./lru-ttl-cache.js";
import { LruTtlCache } from "./lru-ttl-cache.js";

export interface AnswerCacheOptions {
  /** How long an answer is reused (default 30 000 ms; 0 turns the cache off). */
  readonly ttlMs?: number;
  /** How long an attestation answer that verified nothing is reused (default 2000 ms). */
  readonly negativeTtlMs?: number;
  /** The most answers kept (default 10 000). */
  readonly maxEntries?: number;
  readonly now?: () => number;
  readonly metrics?: AdmissionMetrics | undefined;
}

/** One listing call: a note's occurrences, or a project's vulnerabilities, for these resource URIs. */
export interface AnswerQuestion {
  readonly kind: "note" | "vulnerabilities";
  /** The note (`projects/P/notes/N`) or the project. */
  readonly name: string;
  readonly resourceUris: readonly string[];
}

export const defaultAnswerTtlMs = 30_000;
export const defaultNegativeAnswerTtlMs = 2_000;

/**
 * The cache keys, the same string object each time for the same URI list
 * (the plan reuses one list per image): a string hashes once, so a warm
 * lookup does not rehash a key of a few hundred characters.
 */
const keysByUris = new WeakMap<readonly string[], Map<string, string>>();

function memoKey(kind: string, name: string, resourceUris: readonly string[]): string {
  let keys = keysByUris.get(resourceUris);
  if (keys === undefined) {
    keys = new Map();
    keysByUris.set(resourceUris, keys);
  }
  const slot = `${kind}\n${name}`;
  let key = keys.get(slot);
  if (key === undefined) {
    key = `${slot}\n${resourceUris.join("\n")}`;
    keys.set(slot, key);
  }
  return key;
}

const attestationKey = (noteName: string, resourceUris: readonly string[]) => memoKey("note", noteName, resourceUris);
const vulnerabilityKey = (project: string, resourceUris: readonly string[]) => memoKey("vulnz", project, resourceUris);

/** Answers found stored by {@link AnswerCache.storedAnswers}, in the order asked. */
export interface StoredAnswers {
  readonly answers: readonly (readonly unknown[])[];
  /** When the first of them expires (milliseconds, on the cache's clock). */
  readonly expiresAt: number;
}

export class AnswerCache {
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  readonly #cache: LruTtlCache<readonly unknown[]>;
  readonly #metrics: AdmissionMetrics | undefined;
  #generation = 0;

  constructor(options: AnswerCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? defaultAnswerTtlMs;
    this.negativeTtlMs = Math.min(options.negativeTtlMs ?? defaultNegativeAnswerTtlMs, this.ttlMs);
    this.#cache = new LruTtlCache({ maxEntries: options.maxEntries ?? 10_000, ...(options.now ? { now: options.now } : {}) });
    this.#metrics = options.metrics;
  }

  /** `source` with its two listing calls answered from this cache; writes go straight through. */
  wrap(source: MetadataSource): MetadataSource {
    if (this.ttlMs <= 0) return source;
    const cached = (key: string, load: () => Promise<readonly unknown[]>) => this.#lookup(key, load);
    return decorateMetadataSource(source, {
      noteOccurrences: (noteName, resourceUris) =>
        cached(attestationKey(noteName, resourceUris), () => source.noteOccurrences(noteName, resourceUris)),
      vulnerabilityOccurrences: (project, resourceUris) =>
        cached(vulnerabilityKey(project, resourceUris), () => source.vulnerabilityOccurrences(project, resourceUris)),
    });
  }

  /**
   * The stored answers to every question, when all of them are stored and
   * fresh: each is then counted as a hit and marked recently used, exactly as
   * a call through {@link AnswerCache.wrap} would. When any is missing,
   * undefined, and nothing is counted or changed (the caller asks through the
   * wrapped source). Lets a fully warm review skip the deadline and promise
   * machinery of a fetch (admission/metadata-fetch).
   */
  storedAnswers(questions: readonly AnswerQuestion[]): StoredAnswers | undefined {
    if (this.ttlMs <= 0) return undefined;
    const keys = questions.map((q) => (q.kind === "note" ? attestationKey(q.name, q.resourceUris) : vulnerabilityKey(q.name, q.resourceUris)));
    const stored = this.#cache.freshAll(keys);
    if (stored === undefined) return undefined;
    this.#metrics?.cacheRequests.inc({ cache: "metadata", result: "hit" }, keys.length);
    return { answers: stored.values, expiresAt: stored.expiresAt };
  }

  /**
   * Counts the changes that can make a stored answer end before its
   * {@link StoredAnswers.expiresAt}: a shortened TTL, a flush. What is
   * derived from stored answers (admission/cache/decision-cache) is valid
   * only while this has not moved.
   */
  get generation(): number {
    return this.#generation;
  }

  /** Keeps the attestation answer for `noteName` and these URIs no longer than the negative TTL. */
  shortenAttestations(noteName: string, resourceUris: readonly string[]): void {
    this.#generation += 1;
    this.#cache.shorten(attestationKey(noteName, resourceUris), this.negativeTtlMs);
  }

  /** Forgets every answer (for an operator's "flush", and tests). */
  clear(): void {
    this.#generation += 1;
    this.#cache.clear();
  }

  stats(): CacheStats {
    return this.#cache.stats();
  }

  #lookup(key: string, load: () => Promise<readonly unknown[]>): Promise<readonly unknown[]> {
    const { value, result } = this.#cache.getOrLoad(
      key,
      async () => {
        const answer = await load();
        answerVersion(answer);
        return answer;
      },
      () => this.ttlMs,
    );
    this.#count(result);
    return value;
  }

  #count(result: CacheResult): void {
    this.#metrics?.cacheRequests.inc({ cache: "metadata", result });
  }
}
