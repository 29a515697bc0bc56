/**
 * @module admission/review-admission
 *
 * One whole review, as the webhook and `scriba check` run it:
 *
 *     plan (pure) → fetch metadata (I/O, concurrent, one deadline)
 *       → verify attestations (pure, offline, given `now`)
 *       → judge (pure) → attest on pass (I/O, never changes the decision)
 *       → one decision log record
 *
 * The reviewer holds what outlives a request: the policies (a set, or a
 * function returning the current one, so a watcher can swap them), the
 * metadata source, the signing keys, and the parsed authority keys.
 */
import type { AdmissionDecision } from "../policy/decision.js";
import { describeObjectReference, formatDenialMessage, formatWarnings, reasonMessage } from "../policy/decision.js";
import type { PolicySet } from "../policy/policy-set.js";
import type { Logger } from "../logging/logger.js";
import { silentLogger } from "../logging/logger.js";
import type { AdmissionInput } from "./admission-input.js";
import type { AdmissionPlan } from "./admission-plan.js";
import { planAdmission } from "./admission-plan.js";
import type { AttestOnPassResult } from "./attest-on-pass.js";
import { attestOnPass } from "./attest-on-pass.js";
import { verifyEvidence } from "./attestation-evidence.js";
import { AuthorityKeyring } from "./authority-keys.js";
import { AttestorKeys } from "./attestor-keys.js";
import { judgeAdmission } from "./evaluate-admission.js";
import { fetchMetadata } from "./metadata-fetch.js";
import type { MetadataSource } from "./metadata-source.js";

/** What happened, for logs, audit annotations and reports. */
export type DecisionEvent = "not-reviewed" | "allow" | "deny" | "dry-run-would-deny" | "breakglass";

export interface AdmissionOutcome {
  readonly reviewed: boolean;
  readonly event: DecisionEvent;
  readonly decision: AdmissionDecision;
  /** The denial text (empty when admitted). */
  readonly message: string;
  /** Dry-run would-be denials, breakglass uses, and every other warning. */
  readonly warnings: readonly string[];
  /** The policies that applied: `GenericAttestationPolicy prod/require-qa`. */
  readonly policies: readonly string[];
  /** Where the breakglass marker was found, when there was one. */
  readonly breakglassMarker: string | undefined;
  readonly attestations: readonly AttestOnPassResult[];
}

export interface ReviewOptions {
  /** Budget for fetching metadata (overrides the reviewer's). */
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export interface AdmissionReviewerOptions {
  readonly policies: PolicySet | (() => PolicySet);
  readonly metadata: MetadataSource;
  readonly logger?: Logger | undefined;
  /** Keys for attest-on-pass (`--attestor-key`). */
  readonly attestorKeys?: AttestorKeys | undefined;
  /** Store attestations for passing ImageSecurityPolicies (default true; `scriba check` never does). */
  readonly attestOnPass?: boolean | undefined;
  /** Budget for fetching one request's metadata (default 5000 ms). */
  readonly metadataTimeoutMs?: number | undefined;
  /** The clock keys are checked against (default the system clock). */
  readonly now?: (() => Date) | undefined;
}

export interface AdmissionReviewer {
  review(input: AdmissionInput, options?: ReviewOptions): Promise<AdmissionOutcome>;
  /** The policies in force now. */
  policies(): PolicySet;
}

function eventOf(plan: AdmissionPlan, decision: AdmissionDecision): DecisionEvent {
  if (!plan.reviewed) return "not-reviewed";
  if (!decision.allowed) return "deny";
  if (decision.breakglassUsed) return "breakglass";
  const dryRun =
    decision.images.some((image) => image.verdict === "dry-run-would-deny") ||
    decision.objectReasons.some((reason) => reason.mode === "dry-run");
  return dryRun ? "dry-run-would-deny" : "allow";
}

function policyNames(plan: AdmissionPlan): string[] {
  if (!plan.reviewed || plan.view.exempt) return [];
  const mode = (m: string) => (m === "DRYRUN_AUDIT_LOG_ONLY" ? " (dry run)" : "");
  return [
    ...plan.view.genericAttestationPolicies.map((g) => `GenericAttestationPolicy ${g.policy.namespace}/${g.policy.name}${mode(g.policy.enforcementMode)}`),
    ...plan.view.imageSecurityPolicies.map((i) => `ImageSecurityPolicy ${i.policy.namespace}/${i.policy.name}${mode(i.policy.enforcementMode)}`),
  ];
}

/** The fields of the decision log record. */
export function decisionLogFields(input: AdmissionInput, outcome: AdmissionOutcome): Record<string, unknown> {
  const decision = outcome.decision;
  return {
    event: outcome.event,
    uid: input.uid,
    operation: input.operation,
    kind: input.kind.group === "" ? input.kind.kind : `${input.kind.kind}.${input.kind.group}`,
    subResource: input.subResource || undefined,
    namespace: decision.object.namespace,
    object: describeObjectReference(decision.object),
    dryRun: input.dryRun === true,
    allowed: decision.allowed,
    images: decision.images.map((image) => ({
      path: image.image.path,
      image: image.image.image,
      verdict: image.verdict,
      allowedBy: image.reasons.length === 0 ? image.allowedBy?.kind : undefined,
      reasons: [...new Set(image.reasons.map((r) => `${r.mode === "dry-run" ? "dry run: " : ""}${reasonMessage(image.image.image, r)}`))],
    })),
    objectReasons: decision.objectReasons.map((r) => reasonMessage("", r)),
    policies: outcome.policies,
    breakglass: outcome.breakglassMarker,
    attestations: outcome.attestations.length === 0 ? undefined : outcome.attestations,
    warnings: outcome.warnings.length === 0 ? undefined : outcome.warnings,
  };
}

export function createAdmissionReviewer(options: AdmissionReviewerOptions): AdmissionReviewer {
  const current = typeof options.policies === "function" ? options.policies : () => options.policies as PolicySet;
  const logger = options.logger ?? silentLogger;
  const keyring = new AuthorityKeyring();
  const signers = options.attestorKeys ?? new AttestorKeys();
  const clock = options.now ?? (() => new Date());

  async function review(input: AdmissionInput, call: ReviewOptions = {}): Promise<AdmissionOutcome> {
    const policies = current();
    const plan = planAdmission(input, policies);
    const now = clock();
    const snapshot = await fetchMetadata(plan, options.metadata, {
      timeoutMs: call.timeoutMs ?? options.metadataTimeoutMs,
      signal: call.signal,
    });
    const evidence = await verifyEvidence(plan, snapshot, keyring, { now });
    const evaluation = judgeAdmission(plan, evidence);
    const sideEffects = options.attestOnPass !== false && input.dryRun !== true;
    const attestations = sideEffects
      ? await attestOnPass(evaluation.attestOnPass, { metadata: options.metadata, signers, keyring, now })
      : [];
    const decision = evaluation.decision;
    const outcome: AdmissionOutcome = {
      reviewed: plan.reviewed,
      event: eventOf(plan, decision),
      decision,
      message: formatDenialMessage(decision),
      warnings: formatWarnings(decision),
      policies: policyNames(plan),
      breakglassMarker: plan.breakglass.requested ? plan.breakglass.marker : undefined,
      attestations,
    };
    if (outcome.reviewed) {
      const fields = decisionLogFields(input, outcome);
      const notable =
        outcome.event !== "allow" || outcome.breakglassMarker !== undefined || attestations.some((a) => a.outcome !== "created");
      if (notable) logger.warn("admission decision", fields);
      else logger.info("admission decision", fields);
    }
    return outcome;
  }

  return { review, policies: current };
}
