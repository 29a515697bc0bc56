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
 * metadata source, the signing keys, the parsed authority keys, and
 * optionally:
 * - the caches (./cache/): answers of the metadata server, and verdicts
 *   of verification; after judging, an attestation answer that verified
 *   nothing is kept only for the short negative TTL; and whole decisions,
 *   made from those two, for requests with the same subject
 *   (./admission-subject.ts), which skip every step but the last;
 * - metrics (decisions by result and policy, review latency);
 * - a recorder that queues the audit and deployment records of each
 *   decision (./records/), never delaying the answer.
 */
import type { AdmissionDecision } from "../policy/decision.js";
import { describeObjectReference, formatDenialMessage, formatWarnings, reasonMessage } from "../policy/decision.js";
import type { PolicySet } from "../policy/policy-set.js";
import type { Logger } from "../logging/logger.js";
import type { LogFields } from "../logging/logger.js";
import { JsonFields, silentLogger } from "../logging/logger.js";
import type { AdmissionInput } from "./admission-input.js";
import type { AdmissionPlan } from "./admission-plan.js";
import { planSubject } from "./admission-plan.js";
import type { AdmissionSubject } from "./admission-subject.js";
import { admissionSubject, subjectKey } from "./admission-subject.js";
import type { AttestOnPassResult } from "./attest-on-pass.js";
import { attestOnPass } from "./attest-on-pass.js";
import { verifyEvidence } from "./attestation-evidence.js";
import { AuthorityKeyring } from "./authority-keys.js";
import { AttestorKeys } from "./attestor-keys.js";
import type { AdmissionMetrics } from "./admission-metrics.js";
import type { AdmissionEvidence } from "./admission-evidence.js";
import { attestationQueryKey, authorityEvidenceKey } from "./admission-evidence.js";
import type { AnswerCache } from "./cache/answer-cache.js";
import type { DecisionCache } from "./cache/decision-cache.js";
import type { VerificationCache } from "./cache/verification-cache.js";
import { judgeAdmission } from "./evaluate-admission.js";
import { fetchMetadata } from "./metadata-fetch.js";
import type { MetadataSource } from "./metadata-source.js";
import type { DecisionRecorder } from "./records/decision-recorder.js";
import type { SigningSecrets } from "./signing-secrets.js";

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
  /** Aborted when the caller gives up. Read only when the review has to wait for metadata, so it may be a getter that makes it then. */
  readonly signal?: AbortSignal | undefined;
}

export interface AdmissionReviewerOptions {
  readonly policies: PolicySet | (() => PolicySet);
  readonly metadata: MetadataSource;
  readonly logger?: Logger | undefined;
  /** Keys for attest-on-pass (`--attestor-key`). */
  readonly attestorKeys?: AttestorKeys | undefined;
  /** Keys for attest-on-pass from the policies' `privateKeySecretName` Secrets (after `attestorKeys`). */
  readonly signingSecrets?: SigningSecrets | undefined;
  /** Store attestations for passing ImageSecurityPolicies (default true; `scriba check` never does). */
  readonly attestOnPass?: boolean | undefined;
  /** Budget for fetching one request's metadata (default 5000 ms). */
  readonly metadataTimeoutMs?: number | undefined;
  /** The clock keys are checked against (default the system clock). */
  readonly now?: (() => Date) | undefined;
  /** Reuses the metadata server's answers for a while (./cache/answer-cache.ts). */
  readonly answerCache?: AnswerCache | undefined;
  /** Reuses verdicts of verification for the same authority, image and occurrences (./cache/verification-cache.ts). */
  readonly verificationCache?: VerificationCache | undefined;
  /** Reuses plain admissions made from those two caches for requests with the same subject (./cache/decision-cache.ts). */
  readonly decisionCache?: DecisionCache<KeptDecision> | undefined;
  readonly metrics?: AdmissionMetrics | undefined;
  /** Queues audit and deployment records of every decision. */
  readonly recorder?: DecisionRecorder | undefined;
  /**
   * Whether an ImageSecurityPolicy's authority attestation passes an image
   * without its vulnerabilities being judged (default true; the background
   * re-check turns it off).
   */
  readonly attestationPasses?: boolean | undefined;
  /** Writes one log record per decision (default true; the re-check logs its own). */
  readonly logDecisions?: boolean | undefined;
}

export interface AdmissionReviewer {
  /**
   * Reviews one request. A request a kept decision covers is answered at
   * once, as the outcome itself rather than a promise, so the webhook can
   * answer it in the turn its body arrived. `await` takes either; a failure
   * is always a rejected promise.
   */
  review(input: AdmissionInput, options?: ReviewOptions): AdmissionOutcome | Promise<AdmissionOutcome>;
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

/** The names of a view's policies, made once per view (views do not change). */
const namesByView = new WeakMap<AdmissionPlan["view"], readonly string[]>();

function policyNames(plan: AdmissionPlan): readonly string[] {
  if (!plan.reviewed || plan.view.exempt) return [];
  let names = namesByView.get(plan.view);
  if (names === undefined) {
    names = viewPolicyNames(plan.view);
    namesByView.set(plan.view, names);
  }
  return names;
}

function viewPolicyNames(view: AdmissionPlan["view"]): string[] {
  const mode = (m: string) => (m === "DRYRUN_AUDIT_LOG_ONLY" ? " (dry run)" : "");
  return [
    ...view.genericAttestationPolicies.map((g) => `GenericAttestationPolicy ${g.policy.namespace}/${g.policy.name}${mode(g.policy.enforcementMode)}`),
    ...view.imageSecurityPolicies.map((i) => `ImageSecurityPolicy ${i.policy.namespace}/${i.policy.name}${mode(i.policy.enforcementMode)}`),
  ];
}

/** What the decision cache keeps of a plain admission: everything of the outcome but the object it was for. */
export interface KeptDecision {
  readonly decision: AdmissionDecision;
  readonly policies: readonly string[];
  /** The decision's part of the log record, serialized once. */
  readonly logDecision: JsonFields;
}

const none: readonly never[] = Object.freeze([]);

/** The outcome of a kept decision, for the object of `subject`. */
function keptOutcome(kept: KeptDecision, subject: AdmissionSubject): AdmissionOutcome {
  return {
    reviewed: true,
    event: "allow",
    decision: { ...kept.decision, object: subject.object },
    message: "",
    warnings: none,
    policies: kept.policies,
    breakglassMarker: undefined,
    attestations: none,
  };
}

/** Whether an outcome is a plain admission, the same for every object with its subject (see ./cache/decision-cache.ts). */
function isPlainAdmission(outcome: AdmissionOutcome, attestOnPass: readonly unknown[]): boolean {
  return (
    outcome.event === "allow" &&
    outcome.message === "" &&
    outcome.warnings.length === 0 &&
    outcome.breakglassMarker === undefined &&
    outcome.attestations.length === 0 &&
    attestOnPass.length === 0
  );
}

/** The fields of the decision log record about this request: which one, and for which object. */
export function requestLogFields(input: AdmissionInput, outcome: AdmissionOutcome): LogFields {
  return {
    uid: input.uid,
    object: describeObjectReference(outcome.decision.object),
    dryRun: input.dryRun === true,
    attestations: outcome.attestations.length === 0 ? undefined : outcome.attestations,
  };
}

/**
 * The fields of the decision log record about the decision: the same for
 * every request with the same subject and decision, so a kept decision
 * serializes them once.
 */
export function decisionLogFields(input: AdmissionInput, outcome: AdmissionOutcome): LogFields {
  const decision = outcome.decision;
  return {
    event: outcome.event,
    operation: input.operation,
    kind: input.kind.group === "" ? input.kind.kind : `${input.kind.kind}.${input.kind.group}`,
    subResource: input.subResource || undefined,
    namespace: decision.object.namespace,
    allowed: decision.allowed,
    images: decision.images.map((image) => ({
      path: image.image.path,
      image: image.image.image,
      verdict: image.verdict,
      allowedBy: image.reasons.length === 0 ? image.allowedBy?.kind : undefined,
      reasons:
        image.reasons.length === 0
          ? []
          : [...new Set(image.reasons.map((r) => `${r.mode === "dry-run" ? "dry run: " : ""}${reasonMessage(image.image.image, r)}`))],
    })),
    objectReasons: decision.objectReasons.map((r) => reasonMessage("", r)),
    policies: outcome.policies,
    breakglass: outcome.breakglassMarker,
    warnings: outcome.warnings.length === 0 ? undefined : outcome.warnings,
  };
}

export function createAdmissionReviewer(options: AdmissionReviewerOptions): AdmissionReviewer {
  const current = typeof options.policies === "function" ? options.policies : () => options.policies as PolicySet;
  const logger = options.logger ?? silentLogger;
  const keyring = new AuthorityKeyring();
  const signers = options.attestorKeys ?? new AttestorKeys();
  const clock = options.now ?? (() => new Date());
  const reading = options.answerCache?.wrap(options.metadata) ?? options.metadata;
  const metrics = options.metrics;

  /** An attestation answer in which an authority verified nothing is kept only briefly, so "sign, then retry" works. */
  function shortenNegativeAnswers(plan: AdmissionPlan, evidence: AdmissionEvidence): void {
    if (options.answerCache === undefined) return;
    // The queries by key only once an authority verified nothing (never, on a warm path that admits).
    let queries: Map<string, AdmissionPlan["attestationQueries"][number]> | undefined;
    for (const check of plan.authorityChecks) {
      if (evidence.attestations.get(authorityEvidenceKey(check.authority, check.pinned))?.status !== "unverified") continue;
      queries ??= new Map(plan.attestationQueries.map((q) => [attestationQueryKey(q.noteReference, q.pinned), q]));
      const query = queries.get(attestationQueryKey(check.authority.noteReference, check.pinned));
      if (query !== undefined) options.answerCache.shortenAttestations(query.noteReference, query.resourceUris);
    }
  }

  function count(outcome: AdmissionOutcome, started: number): void {
    if (metrics === undefined) return;
    metrics.decisions.inc({ decision: outcome.event });
    for (const policy of outcome.policies) metrics.policyDecisions.inc({ decision: outcome.event, policy });
    metrics.reviewDuration.observe({ decision: outcome.event }, (performance.now() - started) / 1000);
  }

  /** Counts, records and logs a decision made or reused. */
  function finish(input: AdmissionInput, outcome: AdmissionOutcome, started: number, logDecision: JsonFields | undefined): AdmissionOutcome {
    count(outcome, started);
    if (outcome.reviewed && options.recorder !== undefined) {
      try {
        options.recorder.record(input, outcome);
      } catch (error) {
        // Recording is best effort by design; the decision stands and is logged below.
        logger.error("queueing the records of a decision failed", { error });
      }
    }
    if (outcome.reviewed && options.logDecisions !== false) {
      const fields = requestLogFields(input, outcome);
      const decision = logDecision ?? new JsonFields(decisionLogFields(input, outcome));
      const notable =
        outcome.event !== "allow" || outcome.breakglassMarker !== undefined || outcome.attestations.some((a) => a.outcome !== "created");
      if (notable) logger.warn("admission decision", fields, decision);
      else logger.info("admission decision", fields, decision);
    }
    return outcome;
  }

  function review(input: AdmissionInput, call: ReviewOptions = {}): AdmissionOutcome | Promise<AdmissionOutcome> {
    try {
      const started = performance.now();
      const policies = current();
      const subject = admissionSubject(input);
      const key = options.decisionCache === undefined ? undefined : subjectKey(subject);
      const kept = key === undefined ? undefined : options.decisionCache?.get(key, policies);
      if (kept !== undefined) return finish(input, keptOutcome(kept, subject), started, kept.logDecision);
      return reviewAfresh(input, call, started, policies, subject, key);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Every step of a review, for a request no kept decision covers. */
  async function reviewAfresh(
    input: AdmissionInput,
    call: ReviewOptions,
    started: number,
    policies: PolicySet,
    subject: AdmissionSubject,
    key: string | undefined,
  ): Promise<AdmissionOutcome> {
    const decisions = options.decisionCache;
    const generations = decisions?.generations();
    const plan = planSubject(subject, policies);
    const now = clock();
    const snapshot = await fetchMetadata(plan, reading, {
      timeoutMs: call.timeoutMs ?? options.metadataTimeoutMs,
      signal: call.signal,
      answers: options.answerCache,
    });
    const evidence = await verifyEvidence(plan, snapshot, keyring, { now, cache: options.verificationCache });
    shortenNegativeAnswers(plan, evidence);
    const evaluation = judgeAdmission(plan, evidence, { attestationPasses: options.attestationPasses });
    const sideEffects = options.attestOnPass !== false && input.dryRun !== true;
    const attestations = sideEffects
      ? await attestOnPass(evaluation.attestOnPass, { metadata: options.metadata, signers, secrets: options.signingSecrets, keyring, now })
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
    const keep =
      decisions !== undefined && key !== undefined && generations !== undefined && evidence.storedUntil !== undefined && isPlainAdmission(outcome, evaluation.attestOnPass);
    if (!keep) return finish(input, outcome, started, undefined);
    const logDecision = new JsonFields(decisionLogFields(input, outcome));
    decisions.keep(key, policies, { decision, policies: outcome.policies, logDecision }, evidence.storedUntil, generations);
    return finish(input, outcome, started, logDecision);
  }

  return { review, policies: current };
}
