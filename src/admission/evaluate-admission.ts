/**
 * @module admission/evaluate-admission
 *
 * The decision, as a pure function of the request, the policies and the
 * evidence (verified attestations and fetched vulnerabilities): no I/O, no
 * clock. Every rule is in ./admission-plan.ts (what is reviewed at all and
 * what is admitted before policy), ./gap-judgement.ts and ./isp-judgement.ts;
 * this module combines them:
 *
 * - an image judged by policy must pass the GenericAttestationPolicies AND
 *   every ImageSecurityPolicy; its reasons are the union of both;
 * - an image passes a reason from a dry-run policy (it is admitted, and the
 *   reason becomes a warning and a log record of the would-be denial);
 * - the object is denied when any image is denied, or an object-level reason
 *   (an invalid policy, a malformed object) stands;
 * - a breakglass marker (./breakglass.ts), when the KritisConfig allows it,
 *   admits what would be denied; it is reported whether or not it was needed.
 *
 * Attest-on-pass candidates (./isp-judgement.ts) are kept only when the
 * object is admitted without breakglass: an emergency override must not mint
 * durable passes.
 */
import type { AdmissionDecision, ImageDecision } from "../policy/decision.js";
import { decideImage, decideObject, describeObjectReference } from "../policy/decision.js";
import type { PolicySet } from "../policy/policy-set.js";
import type { AdmissionEvidence } from "./admission-evidence.js";
import type { AdmissionInput } from "./admission-input.js";
import type { AdmissionPlan } from "./admission-plan.js";
import { planAdmission } from "./admission-plan.js";
import { judgeGaps } from "./gap-judgement.js";
import { decidingGaps } from "./gap-modes.js";
import type { AttestOnPassCandidate } from "./isp-judgement.js";
import { judgeIsps } from "./isp-judgement.js";

export interface AdmissionEvaluation {
  readonly plan: AdmissionPlan;
  readonly decision: AdmissionDecision;
  /** Images that passed an enforced ImageSecurityPolicy by their vulnerabilities and may be attested. */
  readonly attestOnPass: readonly AttestOnPassCandidate[];
  /** `policy image` pairs that passed through a cached attestation. */
  readonly cachedPasses: readonly { readonly policy: string; readonly image: string }[];
}

export interface JudgeOptions {
  /**
   * Whether an ImageSecurityPolicy's authority attestation passes the image
   * without judging its vulnerabilities (default true; the background
   * re-check turns it off, see ./isp-judgement.ts).
   */
  readonly attestationPasses?: boolean | undefined;
}

/** Judges a plan with its evidence. Pure. */
export function judgeAdmission(plan: AdmissionPlan, evidence: AdmissionEvidence, options: JudgeOptions = {}): AdmissionEvaluation {
  const config = plan.view.config;
  const honoured = plan.breakglass.requested && config.allowBreakglass;
  const gaps = decidingGaps(plan.view);
  const candidates: AttestOnPassCandidate[] = [];
  const cachedPasses: { policy: string; image: string }[] = [];

  const images: ImageDecision[] = plan.images.map((planned) => {
    switch (planned.kind) {
      case "admitted":
        return decideImage(planned.image, [], { allowedBy: planned.allowedBy });
      case "unjudged":
        return decideImage(planned.image, []);
      case "refused":
        return decideImage(planned.image, planned.reasons, { breakglass: honoured });
      case "judge": {
        const gap = judgeGaps(planned, gaps, evidence, config.metadataFailurePolicy);
        const isp = judgeIsps(planned, plan.view.imageSecurityPolicies, evidence, config.metadataFailurePolicy, {
          attestationPasses: options.attestationPasses,
        });
        candidates.push(...isp.candidates);
        cachedPasses.push(...isp.cachedPasses.map((policy) => ({ policy, image: planned.image.image })));
        return decideImage(planned.image, [...gap.reasons, ...isp.reasons], {
          breakglass: honoured,
          allowedBy: gap.allowedBy ?? { kind: "policies-satisfied" },
          warnings: [...gap.warnings, ...isp.warnings],
        });
      }
    }
  });

  const warnings = [...plan.warnings];
  const object = describeObjectReference(plan.object);
  if (plan.breakglass.requested && !config.allowBreakglass) {
    warnings.push(`the breakglass marker ${plan.breakglass.marker ?? ""} on ${object} was ignored: the KritisConfig sets allowBreakglass: false`);
  }
  const decided = decideObject(plan.object, images, {
    objectReasons: plan.objectReasons,
    breakglass: honoured,
    warnings,
  });
  const decision =
    honoured && !decided.breakglassUsed
      ? {
          ...decided,
          warnings: [
            ...decided.warnings,
            `breakglass: the marker ${plan.breakglass.marker ?? ""} on ${object} was recorded; policy admits the object without it`,
          ],
        }
      : decided;
  const keep = decision.allowed && !decision.breakglassUsed;
  const unique = new Map(candidates.map((c) => [`${c.authority.namespace}/${c.authority.name}\n${c.pinned}`, c]));
  return { plan, decision, attestOnPass: keep ? [...unique.values()] : [], cachedPasses };
}

export interface EvaluateOptions {
  /** The plan the evidence was fetched for; recomputed when absent. */
  readonly plan?: AdmissionPlan | undefined;
}

/**
 * The admission decision for a request, given the policies and the evidence
 * gathered for it (see ./review-admission.ts for the whole review). Pure.
 */
export function evaluateAdmission(
  input: AdmissionInput,
  policies: PolicySet,
  evidence: AdmissionEvidence,
  options: EvaluateOptions = {},
): AdmissionDecision {
  return judgeAdmission(options.plan ?? planAdmission(input, policies), evidence).decision;
}
