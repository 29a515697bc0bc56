/**
 * @module admission/gap-judgement
 *
 * One image against the deciding GenericAttestationPolicies (./gap-modes.ts),
 * with Kritis' semantics: a policy is satisfied when EVERY authority it lists
 * has a verified attestation for the image; the image passes when ANY
 * deciding policy is satisfied, or when it matches one of their
 * `admissionAllowlistPatterns`. An image without a digest cannot carry an
 * attestation, so it fails with advice on pinning (unless allowlisted).
 *
 * When no policy is satisfied and at least one could still have been, had
 * the metadata server answered (its authorities are all verified or
 * unavailable), the KritisConfig `metadataFailurePolicy` decides: `Fail`
 * denies with the reason the server could not be asked, `Ignore` admits with
 * a warning. Otherwise every deciding policy is reported with the
 * authorities it misses and why the attestations that were found did not
 * count.
 */
import type { AllowedBy, DenialReason, SignatureFailure } from "../policy/decision.js";
import { firstMatchingPattern } from "../policy/name-pattern.js";
import type { MetadataFailurePolicy } from "../policy/crds/kritis-config.js";
import type { AdmissionEvidence } from "./admission-evidence.js";
import { evidenceFor } from "./admission-evidence.js";
import type { PlannedImage } from "./admission-plan.js";
import type { DecidingGaps } from "./gap-modes.js";
import { metadataIgnoredWarning } from "./metadata-failure.js";

export interface Judgement {
  readonly reasons: readonly DenialReason[];
  readonly warnings: readonly string[];
  readonly allowedBy?: AllowedBy | undefined;
}

export const passed: Judgement = { reasons: [], warnings: [] };

export function judgeGaps(
  planned: PlannedImage & { readonly kind: "judge" },
  gaps: DecidingGaps | undefined,
  evidence: AdmissionEvidence,
  metadataFailurePolicy: MetadataFailurePolicy,
): Judgement {
  if (gaps === undefined) return passed;
  const { image, read, pinned } = planned;
  const mode = gaps.mode;
  const pattern = firstMatchingPattern(image.image, gaps.allowlist);
  if (pattern !== undefined) {
    const owner = gaps.policies.find((gap) => gap.policy.admissionAllowlistPatterns.includes(pattern));
    return { ...passed, allowedBy: { kind: "policy-allowlist", policy: owner?.policy.name ?? "", pattern: pattern.pattern } };
  }
  if (read.outcome === "invalid") return { ...passed, reasons: [{ kind: "invalid-image-reference", mode, message: read.message }] };
  if (read.outcome === "unpinned" || pinned === undefined) {
    return { ...passed, reasons: [{ kind: "unpinned-image", mode, message: read.outcome === "unpinned" ? read.message : image.image }] };
  }

  const perPolicy = gaps.policies.map((gap) => ({
    gap,
    evidence: gap.authorities.map((authority) => ({ authority, found: evidenceFor(evidence, authority, pinned) })),
  }));
  if (perPolicy.some((p) => p.evidence.every((e) => e.found.status === "verified"))) return passed;

  const couldPass = perPolicy.find((p) => p.evidence.every((e) => e.found.status !== "unverified"));
  if (couldPass !== undefined) {
    const unavailable = couldPass.evidence.find((e) => e.found.status === "unavailable")?.found;
    const detail = unavailable?.detail ?? "no answer";
    return metadataFailurePolicy === "Ignore"
      ? { ...passed, warnings: [metadataIgnoredWarning(image.image, detail)] }
      : { ...passed, reasons: [{ kind: "metadata-unavailable", mode, detail }] };
  }

  const reasons: DenialReason[] = perPolicy.map(({ gap, evidence: found }) => {
    const missing = found.filter((e) => e.found.status !== "verified");
    const failures: SignatureFailure[] = missing.flatMap((e) => e.found.failures);
    return {
      kind: "missing-attestations",
      mode,
      policy: gap.policy.name,
      requiredAuthorities: gap.policy.attestationAuthorityNames,
      missingAuthorities: missing.map((e) => e.authority.name),
      signatureFailures: failures,
    };
  });
  return { ...passed, reasons };
}
