/**
 * @module admission/cache/verification-cache
 *
 * The second admission cache: the **verdict** of verifying one authority's
 * attestations for one image (admission/attestation-evidence), which costs a
 * PGP or ECDSA verification per occurrence.
 *
 * The key is everything the verdict depends on:
 *
 * | part | what changes it |
 * |---|---|
 * | the authority's fingerprint (./authority-fingerprint.ts) | its name, `noteReference` or any public key |
 * | the pinned image (`registry/path@sha256:…`) | another image or digest |
 * | the answer's version (./answer-version.ts) | any change to the occurrences served: a new, removed or edited attestation |
 *
 * The policy set's version is deliberately not part of it: what a policy
 * contributes to a verification is exactly its authorities, so a change to
 * an unrelated policy (a threshold, an allowlist, another namespace) keeps
 * every verdict, while rotating one authority's key re-verifies that
 * authority only. The judgement that combines verdicts with policies is pure
 * and cheap, and is never cached: a policy change takes effect on the next
 * review.
 *
 * Verdicts also depend on the clock (a key or an attestation can expire), so
 * each is kept for `ttlMs` (default 5 minutes) at most, in at most
 * `maxEntries` (LRU). "Unavailable" evidence (the answer could not be had) is
 * never a cached verdict: it is decided before this cache is asked.
 * Concurrent verifications of the same key share one run.
 */
import type { AttestationAuthority } from "../../policy/crds/attestation-authority.js";
import type { AdmissionMetrics } from "../admission-metrics.js";
import type { AuthorityEvidence } from "../admission-evidence.js";
import { answerVersion } from "./answer-version.js";
import { authorityFingerprint } from "./authority-fingerprint.js";
import type { CacheStats } from "./lru-ttl-cache.js";
import { LruTtlCache } from "./lru-ttl-cache.js";

export interface VerificationCacheOptions {
  /** The longest a verdict is reused (default 300 000 ms; 0 turns the cache off). */
  readonly ttlMs?: number;
  /** The most verdicts kept (default 10 000). */
  readonly maxEntries?: number;
  readonly now?: () => number;
  readonly metrics?: AdmissionMetrics | undefined;
}

export const defaultVerificationTtlMs = 300_000;

/** One verdict to look up: an authority's, for an image, over one answer's occurrences. */
export interface VerdictQuestion {
  readonly authority: AttestationAuthority;
  readonly pinned: string;
  readonly occurrences: readonly unknown[];
}

/** Verdicts found stored by {@link VerificationCache.storedVerdicts}, in the order asked. */
export interface StoredVerdicts {
  readonly verdicts: readonly AuthorityEvidence[];
  /** When the first of them expires (milliseconds, on the cache's clock). */
  readonly expiresAt: number;
}

const keysByAnswer = new WeakMap<readonly unknown[], Map<AttestationAuthority, Map<string, string>>>();

export class VerificationCache {
  readonly ttlMs: number;
  readonly #cache: LruTtlCache<AuthorityEvidence>;
  readonly #metrics: AdmissionMetrics | undefined;
  #generation = 0;

  constructor(options: VerificationCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? defaultVerificationTtlMs;
    this.#cache = new LruTtlCache({ maxEntries: options.maxEntries ?? 10_000, ...(options.now ? { now: options.now } : {}) });
    this.#metrics = options.metrics;
  }

  /** The key of a verdict (see the module comment). */
  static keyOf(authority: AttestationAuthority, pinned: string, occurrences: readonly unknown[]): string {
    // The same string object for the same answer (a cached answer is one array): it hashes once.
    let byAuthority = keysByAnswer.get(occurrences);
    if (byAuthority === undefined) {
      byAuthority = new Map();
      keysByAnswer.set(occurrences, byAuthority);
    }
    let byPinned = byAuthority.get(authority);
    if (byPinned === undefined) {
      byPinned = new Map();
      byAuthority.set(authority, byPinned);
    }
    let key = byPinned.get(pinned);
    if (key === undefined) {
      key = `${authorityFingerprint(authority)}\n${pinned}\n${answerVersion(occurrences)}`;
      byPinned.set(pinned, key);
    }
    return key;
  }

  /** The cached verdict for these occurrences, or the one `verify` reaches (shared with concurrent callers). */
  verdict(
    authority: AttestationAuthority,
    pinned: string,
    occurrences: readonly unknown[],
    verify: () => Promise<AuthorityEvidence>,
  ): Promise<AuthorityEvidence> {
    if (this.ttlMs <= 0) return this.#run(verify);
    const { value, result } = this.#cache.getOrLoad(VerificationCache.keyOf(authority, pinned, occurrences), () => this.#run(verify), () => this.ttlMs);
    this.#metrics?.cacheRequests.inc({ cache: "verification", result });
    return value;
  }

  /**
   * The stored verdicts for every question, when all of them are stored and
   * fresh: each is then counted as a hit, exactly as {@link VerificationCache.verdict}
   * would count it. When any is missing, undefined, and nothing is counted.
   * Lets a fully warm review skip a promise per verdict.
   */
  storedVerdicts(questions: readonly VerdictQuestion[]): StoredVerdicts | undefined {
    if (this.ttlMs <= 0) return undefined;
    const stored = this.#cache.freshAll(questions.map((q) => VerificationCache.keyOf(q.authority, q.pinned, q.occurrences)));
    if (stored === undefined) return undefined;
    this.#metrics?.cacheRequests.inc({ cache: "verification", result: "hit" }, questions.length);
    return { verdicts: stored.values, expiresAt: stored.expiresAt };
  }

  /** Counts flushes: what is derived from stored verdicts is valid only while this has not moved. */
  get generation(): number {
    return this.#generation;
  }

  clear(): void {
    this.#generation += 1;
    this.#cache.clear();
  }

  stats(): CacheStats {
    return this.#cache.stats();
  }

  async #run(verify: () => Promise<AuthorityEvidence>): Promise<AuthorityEvidence> {
    const evidence = await verify();
    this.#metrics?.verifications.inc({ status: evidence.status });
    return evidence;
  }
}
