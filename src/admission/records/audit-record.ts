/**
 * @module admission/records/audit-record
 *
 * Every admission decision as a Grafeas record, so "what was denied in
 * namespace X this week" is one indexed query of the Grafeas API:
 *
 *     GET /v1/projects/AUDIT/occurrences?filter=
 *       noteName="projects/AUDIT/notes/X.deny" AND createTime >= "2025-06-02T00:00:00Z"
 *
 * The shape (COMPLIANCE is the Grafeas kind for "was this judged compliant
 * with a rule set"):
 *
 * - **Note** `projects/AUDIT/notes/NAMESPACE.EVENT`, one per namespace and
 *   decision (`allow`, `deny`, `dry-run-would-deny`, `breakglass`), created
 *   on first use. The namespace and the decision are both in the note name,
 *   so the query above is an equality on an indexed column (`noteName`)
 *   plus a range on another (`createTime`), with no JSON look-up. (Namespace
 *   names are DNS labels, so `NAMESPACE.EVENT` is a valid note ID and cannot
 *   be confused between namespaces.)
 * - **Occurrence** per decision, in project AUDIT:
 *   - `resourceUri`: the object (`kubernetes://CLUSTER/apis/apps/v1/namespaces/shop/deployments/web`,
 *     ./object-uri.ts), so "every decision about this Deployment" is an
 *     indexed query too;
 *   - `compliance.nonCompliantFiles`: one entry per image that was denied,
 *     would have been denied (dry run) or was let through by breakglass:
 *     `path` is the container field (`spec.containers[0].image`),
 *     `displayCommand` the image, `reason` every reason;
 *   - `compliance.nonComplianceReason`: a headline (`CREATE Pod shop/web
 *     (uid 705ab4f5-…) denied`; the uid is also in the API server's audit
 *     log and the webhook's decision log line), then the denial message or
 *     the warnings (dry run, breakglass);
 *   - `compliance.version`: `benchmarkDocument` lists the policies that
 *     applied, `version` is the policy set's version, `cpeUri` the cluster.
 *   - `createTime` (set by the server) is when the decision was recorded.
 *
 * The background re-check of running Pods writes the same shape under
 * `NAMESPACE.recheck-noncompliant` (a running Pod that its policies would
 * deny now) and `NAMESPACE.recheck-compliant` (a Pod whose marks were just
 * cleared), with `RECHECK` as the operation in the headline.
 *
 * Requests with `dryRun: true` are never recorded (the webhook declares
 * `sideEffects: NoneOnDryRun`); requests that were not reviewed (a DELETE, a
 * ConfigMap) are not decisions.
 */
import type { JsonObject } from "../../policy/crds/field-reader.js";
import { describeObjectReference, reasonMessage } from "../../policy/decision.js";
import type { AdmissionInput } from "../admission-input.js";
import type { AdmissionOutcome, DecisionEvent } from "../review-admission.js";
import { clusterUri, objectUri } from "./object-uri.js";

/** The decisions that are recorded, one note per namespace and decision. */
export type AuditedEvent = Exclude<DecisionEvent, "not-reviewed">;
export const auditedEvents: readonly AuditedEvent[] = ["allow", "deny", "dry-run-would-deny", "breakglass"];
/** What the re-check of a running Pod records. */
export type RecheckEvent = "recheck-compliant" | "recheck-noncompliant";

export interface AuditRecordContext {
  /** The Grafeas project holding the audit notes and occurrences. */
  readonly project: string;
  /** Names the cluster in object URIs. */
  readonly cluster: string;
  /** The policy set's version, when the policies are versioned (the Kubernetes watcher). */
  readonly policyVersion?: number | undefined;
}

export interface AuditRecord {
  readonly noteId: string;
  readonly noteName: string;
  readonly note: JsonObject;
  readonly occurrence: JsonObject;
}

/** `NAMESPACE.EVENT`, e.g. `shop.deny`. */
export function auditNoteId(namespace: string, event: AuditedEvent | RecheckEvent): string {
  return `${namespace}.${event}`;
}

const eventWords: Record<AuditedEvent | RecheckEvent, string> = {
  allow: "admitted",
  deny: "denied",
  "dry-run-would-deny": "admitted, but a dry-run policy would have denied",
  breakglass: "admitted by breakglass",
  "recheck-noncompliant": "found running against its policies",
  "recheck-compliant": "found compliant again",
};

function auditNote(namespace: string, event: AuditedEvent | RecheckEvent, cluster: string): JsonObject {
  return {
    shortDescription: `Admission: ${event} in ${namespace}`,
    longDescription: `Workloads the admission webhook of cluster ${cluster} ${eventWords[event]} in namespace ${namespace}. One occurrence per decision; its resourceUri names the object.`,
    compliance: {
      title: `Admission decisions (${event}) in namespace ${namespace}`,
      description: `Kritis policies (GenericAttestationPolicy, ImageSecurityPolicy) judged at admission in namespace ${namespace} of cluster ${cluster}.`,
      version: [{ cpeUri: clusterUri(cluster), benchmarkDocument: "kritis.grafeas.io/v1beta1 policies" }],
      rationale: "Only images that satisfy the namespace's policies may run.",
    },
  };
}

/** The record of one decision, or undefined when it is not recorded (not reviewed, or a dry-run request). */
export function auditRecord(input: AdmissionInput, outcome: AdmissionOutcome, context: AuditRecordContext): AuditRecord | undefined {
  if (!outcome.reviewed || outcome.event === "not-reviewed" || input.dryRun === true) return undefined;
  return buildRecord(input, outcome, outcome.event, input.operation, context);
}

/** The record of the re-check of a running Pod (`input` is the Pod as a CREATE would carry it). */
export function recheckAuditRecord(
  input: AdmissionInput,
  outcome: AdmissionOutcome,
  compliant: boolean,
  context: AuditRecordContext,
): AuditRecord {
  return buildRecord(input, outcome, compliant ? "recheck-compliant" : "recheck-noncompliant", "RECHECK", context);
}

function buildRecord(
  input: AdmissionInput,
  outcome: AdmissionOutcome,
  event: AuditedEvent | RecheckEvent,
  operation: string,
  context: AuditRecordContext,
): AuditRecord {
  const namespace = outcome.decision.object.namespace ?? "default";
  const noteId = auditNoteId(namespace, event);
  const noteName = `projects/${context.project}/notes/${noteId}`;
  const flagged = outcome.decision.images.filter((image) => image.verdict !== "allowed");
  const objectReasons = outcome.decision.objectReasons.map((reason) => reasonMessage("", reason));
  const uid = input.uid === undefined ? "" : ` (uid ${input.uid})`;
  const headline = `${operation} ${describeObjectReference(outcome.decision.object)}${uid} ${eventWords[event]}`;
  const details = outcome.message !== "" ? [outcome.message] : outcome.warnings.length > 0 ? outcome.warnings : objectReasons;
  return {
    noteId,
    noteName,
    note: auditNote(namespace, event, context.cluster),
    occurrence: {
      resourceUri: objectUri(context.cluster, input),
      noteName,
      compliance: {
        nonCompliantFiles: flagged.map((image) => ({
          path: image.image.path,
          displayCommand: image.image.image,
          reason: `${image.verdict}: ${[...new Set(image.reasons.map((r) => reasonMessage(image.image.image, r)))].join("; ")}`,
        })),
        nonComplianceReason: [headline, ...details].join("\n"),
        version: {
          cpeUri: clusterUri(context.cluster),
          benchmarkDocument: outcome.policies.join(", "),
          version: context.policyVersion === undefined ? "" : String(context.policyVersion),
        },
      },
    },
  };
}
