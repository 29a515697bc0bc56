/**
 * @module admission/isp-judgement
 *
 * One image against every ImageSecurityPolicy of its namespace; each must
 * pass (AND), as in Kritis. Per policy, in order:
 *
 * 1. `imageAllowlist` matches → passes this policy;
 * 2. no digest (or not a reference) → fails, saying how to pin;
 * 3. `attestationAuthorityName` set and that authority has a verified
 *    attestation for the image → passes: the attestation is a cached pass
 *    ("admitted images continue to be admitted on pod restarts, even if new
 *    vulnerabilities are found", Kritis' documentation);
 * 4. otherwise the image's VULNERABILITY occurrences (from the KritisConfig
 *    `vulnerabilityProjects`) are judged by policy/vulnerability-rules; every
 *    finding over its threshold is a reason (Kritis stopped at the first
 *    image and reported only "found violations"). If they could not be
 *    fetched, `metadataFailurePolicy` decides.
 *
 * Step 3 can be skipped (`attestationPasses: false`): the background
 * re-check of running pods judges their vulnerabilities as they are now, as
 * Kritis' cron did, so a pod admitted on an attestation still shows the
 * findings that appeared since.
 *
 * A pass at step 4 of an enforced policy that names an authority is an
 * attest-on-pass candidate: the webhook may sign and store an attestation for
 * that authority (./attest-on-pass.ts), so step 3 answers next time. A
 * dry-run policy never leads to an attestation: it must not change what the
 * cluster admits later.
 */
import type { AttestationAuthority } from "../policy/crds/attestation-authority.js";
import type { MetadataFailurePolicy } from "../policy/crds/kritis-config.js";
import type { DenialReason, ReasonMode } from "../policy/decision.js";
import type { ResolvedImageSecurityPolicy } from "../policy/policy-set.js";
import { evaluateVulnerabilities, precheckImageSecurityPolicy } from "../policy/vulnerability-rules.js";
import type { AdmissionEvidence } from "./admission-evidence.js";
import { evidenceFor, vulnerabilitiesFor } from "./admission-evidence.js";
import type { PlannedImage } from "./admission-plan.js";
import { metadataIgnoredWarning } from "./metadata-failure.js";

/** An image that passed an enforced ImageSecurityPolicy by its vulnerabilities, whose authority has not attested it yet. */
export interface AttestOnPassCandidate {
  readonly policy: ResolvedImageSecurityPolicy;
  readonly authority: AttestationAuthority;
  /** `registry/path@digest`. */
  readonly pinned: string;
}

export interface IspJudgement {
  readonly reasons: readonly DenialReason[];
  readonly warnings: readonly string[];
  readonly candidates: readonly AttestOnPassCandidate[];
  /** Policies passed through a cached attestation, for the log. */
  readonly cachedPasses: readonly string[];
}

export const modeOf = (isp: ResolvedImageSecurityPolicy): ReasonMode =>
  isp.policy.enforcementMode === "DRYRUN_AUDIT_LOG_ONLY" ? "dry-run" : "enforced";

export function judgeIsps(
  planned: PlannedImage & { readonly kind: "judge" },
  isps: readonly ResolvedImageSecurityPolicy[],
  evidence: AdmissionEvidence,
  metadataFailurePolicy: MetadataFailurePolicy,
  options: { readonly attestationPasses?: boolean } = {},
): IspJudgement {
  const reasons: DenialReason[] = [];
  const warnings: string[] = [];
  const candidates: AttestOnPassCandidate[] = [];
  const cachedPasses: string[] = [];
  const { image, pinned } = planned;
  for (const isp of isps) {
    const mode = modeOf(isp);
    const precheck = precheckImageSecurityPolicy(image.image, isp.policy.imageAllowlist);
    if (precheck.outcome === "allowlisted") continue;
    if (precheck.outcome === "unpinned") {
      reasons.push({ kind: "unpinned-image", mode, message: precheck.reason });
      continue;
    }
    if (precheck.outcome === "invalid-reference" || pinned === undefined) {
      reasons.push({ kind: "invalid-image-reference", mode, message: precheck.outcome === "invalid-reference" ? precheck.reason : image.image });
      continue;
    }
    if (options.attestationPasses !== false && isp.authority !== undefined && evidenceFor(evidence, isp.authority, pinned).status === "verified") {
      cachedPasses.push(isp.policy.name);
      continue;
    }
    const found = vulnerabilitiesFor(evidence, pinned);
    if (!found.ok) {
      if (metadataFailurePolicy === "Ignore") warnings.push(metadataIgnoredWarning(image.image, found.detail));
      else reasons.push({ kind: "metadata-unavailable", mode, detail: found.detail });
      continue;
    }
    const evaluation = evaluateVulnerabilities(image.image, isp.policy.packageVulnerabilityRequirements, found.occurrences);
    for (const violation of evaluation.violations) {
      reasons.push({ kind: "vulnerability", mode, policy: isp.policy.name, violation });
    }
    if (evaluation.violations.length === 0 && isp.authority !== undefined && mode === "enforced") {
      candidates.push({ policy: isp, authority: isp.authority, pinned });
    }
  }
  return { reasons, warnings: [...new Set(warnings)], candidates, cachedPasses };
}
