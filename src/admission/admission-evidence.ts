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
}

export const attestationQueryKey = (noteReference: string, pinned: string) => `${noteReference}\n${pinned}`;

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
}

export const authorityEvidenceKey = (authority: AttestationAuthority, pinned: string) =>
  `${authority.namespace}/${authority.name}\n${pinned}`;

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
