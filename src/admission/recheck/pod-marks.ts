/**
 * @module admission/recheck/pod-marks
 *
 * What the re-check of one running Pod concludes, in the terms of Kritis'
 * labels and annotations (kube/pod-client):
 *
 * - `kritis.grafeas.io/attestation` is about the GenericAttestationPolicies:
 *   set only when the Pod's namespace has some; `attested` when no image has
 *   an attestation problem (missing or rejected attestations, or a tag
 *   instead of a digest, which cannot carry one), else `notAttested` with the
 *   reasons. Without GenericAttestationPolicies the mark is removed.
 * - `kritis.grafeas.io/invalidImageSecPolicy` is about the
 *   ImageSecurityPolicies: set when an image has findings over a threshold
 *   (counted) or is not pinned by digest; removed otherwise.
 *
 * Reasons from dry-run policies count as well: the marks are an audit
 * report, not enforcement. A Pod that cannot be judged — its namespace has
 * an invalid policy, or the metadata server could not be asked — is
 * `unjudged`, and its marks are left as they are rather than flipped on
 * missing information.
 */
import type { AdmissionOutcome } from "../review-admission.js";
import type { PodReviewOutcome } from "../../kube/pod-client.js";
import { reasonMessage } from "../../policy/decision.js";
import type { DenialReason } from "../../policy/decision.js";

export type PodVerdict =
  | { readonly kind: "judged"; readonly compliant: boolean; readonly marks: PodReviewOutcome }
  | { readonly kind: "unjudged"; readonly reason: string };

const attestationKinds = new Set<DenialReason["kind"]>(["missing-attestations", "signature-failure", "unpinned-image", "invalid-image-reference"]);
/** Kubernetes allows 256 KiB of annotations per object; one mark need not say everything. */
const maxAnnotationLength = 1024;

function clipped(text: string): string {
  return text.length <= maxAnnotationLength ? text : `${text.slice(0, maxAnnotationLength - 1)}…`;
}

export function podVerdict(outcome: AdmissionOutcome): PodVerdict {
  const decision = outcome.decision;
  const all = [...decision.objectReasons, ...decision.images.flatMap((image) => image.reasons)];
  const blocking = all.find((reason) => reason.kind === "invalid-policy" || reason.kind === "metadata-unavailable" || reason.kind === "malformed-object");
  if (blocking !== undefined) return { kind: "unjudged", reason: reasonMessage("", blocking) };
  if (!outcome.reviewed) return { kind: "judged", compliant: true, marks: {} };

  const hasGaps = outcome.policies.some((policy) => policy.startsWith("GenericAttestationPolicy "));
  const hasIsps = outcome.policies.some((policy) => policy.startsWith("ImageSecurityPolicy "));
  const attestationProblems: string[] = [];
  const cves = new Set<string>();
  const otherViolations: string[] = [];
  for (const image of decision.images) {
    for (const reason of image.reasons) {
      if (reason.kind === "vulnerability") cves.add(`${image.image.image} ${reason.violation.reason}`);
      else if (attestationKinds.has(reason.kind)) {
        attestationProblems.push(reasonMessage(image.image.image, reason));
        if (reason.kind === "unpinned-image" || reason.kind === "invalid-image-reference") otherViolations.push(reasonMessage(image.image.image, reason));
      }
    }
  }
  const marks: PodReviewOutcome = {
    attestation: !hasGaps
      ? undefined
      : attestationProblems.length === 0
        ? { attested: true }
        : { attested: false, reason: clipped([...new Set(attestationProblems)].join("; ")) },
    violations: hasIsps ? { cveCount: cves.size, reasons: [...new Set(otherViolations)].map(clipped) } : undefined,
  };
  const compliant = all.length === 0 && decision.allowed;
  return { kind: "judged", compliant, marks };
}
