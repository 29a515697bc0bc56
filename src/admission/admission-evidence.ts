/**
 * @module admission/admission-evidence
 *
 * The data between the steps of a review, so that each step can be tested
 * (and reasoned about) alone:
 *
 * 1. the plan says what to fetch (./admission-plan.ts);
 * 2. the fetch fills a {@link MetadataSnapshot} with raw occurrences, or the
 *    reason each could not be had (./metadata-fetch.ts);
 * 3. verification turns the attestation occurrences into one
 *    {@link AuthorityEvidence} per authority and image (./attestation-evidence.ts);
 * 4. the evaluation judges the evidence with the policies (./evaluate-admission.ts).
 */
import type { AttestationAuthority } from "../policy/crds/attestation-authority.js";
import type { SignatureFailure } from "../policy/decision.js";

/** The occurrences one query returned, or why there are none to judge. */
export type FetchResult =
  | { readonly ok: true; readonly occurrences: readonly unknown[] }
  | { readonly ok: false; readonly detail: string };

export interface MetadataSnapshot {
  /** By {@link attestationQueryKey}. */
  readonly attestations: ReadonlyMap<string, FetchResult>;
  /** By pinned image (`registry/path@digest`): the VULNERABILITY occurrences of every configured project. */
  readonly vulnerabilities: ReadonlyMap<string, FetchResult>;
  /**
   * When every answer was already in the answer cache: the time the first of
   * them expires there (milliseconds, on the cache's clock). Absent when any
   * was fetched now.
   */
  readonly storedUntil?: number | undefined;
}

/**
 * Keys are made per review for every authority and image; a string made once
 * per pair (and reused) hashes once, and a map lookup with it compares
 * pointers. Bounded: a table is emptied when full.
 */
const maxKeysPerTable = 4096;

function memoKey<K>(tables: { get(k: K): Map<string, string> | undefined; set(k: K, v: Map<string, string>): unknown }, first: K, pinned: string, make: () => string): string {
  let table = tables.get(first);
  if (table === undefined) {
    table = new Map();
    tables.set(first, table);
  }
  let key = table.get(pinned);
  if (key === undefined) {
    if (table.size >= maxKeysPerTable) table.clear();
    key = make();
    table.set(pinned, key);
  }
  return key;
}

const queryKeys = new Map<string, Map<string, string>>();
const evidenceKeys = new WeakMap<AttestationAuthority, Map<string, string>>();

export function attestationQueryKey(noteReference: string, pinned: string): string {
  if (queryKeys.size >= maxKeysPerTable && !queryKeys.has(noteReference)) queryKeys.clear();
  return memoKey(queryKeys, noteReference, pinned, () => `${noteReference}\n${pinned}`);
}

/**
 * - `verified`: at least one occurrence verified with one of the authority's
 *   keys and names this image;
 * - `unverified`: none did (there were none, or each failed: see `failures`);
 * - `unavailable`: the occurrences could not be fetched (see `detail`).
 */
export type AuthorityStatus = "verified" | "unverified" | "unavailable";

export interface AuthorityEvidence {
  readonly status: AuthorityStatus;
  /** Why the attestations that were found did not count (capped; the rest are counted in `moreFailures`). */
  readonly failures: readonly SignatureFailure[];
  readonly moreFailures: number;
  /** For `unavailable`: why. */
  readonly detail?: string | undefined;
  /** For `verified`: which occurrence and key. */
  readonly verifiedBy?: { readonly occurrenceName: string | undefined; readonly keyId: string } | undefined;
}

export interface AdmissionEvidence {
  /** By {@link authorityEvidenceKey}. */
  readonly attestations: ReadonlyMap<string, AuthorityEvidence>;
  /** By pinned image. */
  readonly vulnerabilities: ReadonlyMap<string, FetchResult>;
  /**
   * When every answer and every verdict came from the caches: the time the
   * first of them expires (milliseconds, on the caches' clock). Absent when
   * anything was fetched or verified now.
   */
  readonly storedUntil?: number | undefined;
}

export const authorityEvidenceKey = (authority: AttestationAuthority, pinned: string) =>
  memoKey(evidenceKeys, authority, pinned, () => `${authority.namespace}/${authority.name}\n${pinned}`);

/** The evidence for an authority and image; a pair that was never fetched reads as unavailable. */
export function evidenceFor(evidence: AdmissionEvidence, authority: AttestationAuthority, pinned: string): AuthorityEvidence {
  return (
    evidence.attestations.get(authorityEvidenceKey(authority, pinned)) ?? {
      status: "unavailable",
      failures: [],
      moreFailures: 0,
      detail: `the attestations of ${authority.name} were not fetched`,
    }
  );
}

export function vulnerabilitiesFor(evidence: AdmissionEvidence, pinned: string): FetchResult {
  return evidence.vulnerabilities.get(pinned) ?? { ok: false, detail: "the vulnerabilities were not fetched" };
}
