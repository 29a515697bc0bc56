/**
 * @module admission/gap-modes
 *
 * Which GenericAttestationPolicies of a namespace decide, given their
 * enforcement modes.
 *
 * GenericAttestationPolicies are alternatives (an image passes when it
 * satisfies any one completely), and a dry-run policy must not change what
 * is admitted. So:
 *
 * - when the namespace has enforced policies, they alone decide, and the
 *   dry-run ones are not evaluated: enforcing an extra *alternative* could
 *   only admit more, never deny anything, so there is no would-be denial to
 *   report;
 * - when every policy is dry-run, they decide as if enforced, and their
 *   denials are reported as would-be denials (warnings, audit log).
 *
 * The `admissionAllowlistPatterns` that apply are those of the deciding
 * policies, flattened (Kritis flattened the patterns of every policy in the
 * namespace; a dry-run policy's allowlist must not loosen an enforced one).
 */
import type { ReasonMode } from "../policy/decision.js";
import type { NamePattern } from "../policy/name-pattern.js";
import type { NamespacePolicyView, ResolvedGenericAttestationPolicy } from "../policy/policy-set.js";

export interface DecidingGaps {
  readonly mode: ReasonMode;
  readonly policies: readonly ResolvedGenericAttestationPolicy[];
  /** Every `admissionAllowlistPatterns[].namePattern` of `policies`. */
  readonly allowlist: readonly NamePattern[];
}

/** The deciding GenericAttestationPolicies, or undefined when the namespace has none. */
export function decidingGaps(view: NamespacePolicyView): DecidingGaps | undefined {
  // A view does not change; the plan and the judgement both ask, on every review.
  if (deciding.has(view)) return deciding.get(view);
  const gaps = computeDecidingGaps(view);
  deciding.set(view, gaps);
  return gaps;
}

const deciding = new WeakMap<NamespacePolicyView, DecidingGaps | undefined>();

function computeDecidingGaps(view: NamespacePolicyView): DecidingGaps | undefined {
  const all = view.genericAttestationPolicies;
  if (all.length === 0) return undefined;
  const enforced = all.filter((gap) => gap.policy.enforcementMode !== "DRYRUN_AUDIT_LOG_ONLY");
  const policies = enforced.length > 0 ? enforced : all;
  return {
    mode: enforced.length > 0 ? "enforced" : "dry-run",
    policies,
    allowlist: policies.flatMap((gap) => gap.policy.admissionAllowlistPatterns),
  };
}
