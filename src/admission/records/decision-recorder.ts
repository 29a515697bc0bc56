/**
 * @module admission/records/decision-recorder
 *
 * Turns each decision into its records (./audit-record.ts,
 * ./deployment-record.ts) and hands the writes to the background queue
 * (./record-queue.ts). `record` returns at once; nothing here can delay or
 * change an admission response.
 *
 * Each record's note is created the first time it is needed ("already
 * exists" is fine) and remembered, so a steady stream of decisions costs one
 * CreateOccurrence each. A note that could not be created is tried again
 * with the next record that needs it.
 */
import type { JsonObject } from "../../policy/crds/field-reader.js";
import type { AdmissionInput } from "../admission-input.js";
import type { MetadataSource } from "../metadata-source.js";
import type { AdmissionOutcome } from "../review-admission.js";
import { describeObjectReference } from "../../policy/decision.js";
import { auditRecord, recheckAuditRecord } from "./audit-record.js";
import type { DeploymentPlatform } from "./deployment-record.js";
import { deploymentRecords } from "./deployment-record.js";
import type { RecordQueue } from "./record-queue.js";

export interface DecisionRecorderOptions {
  readonly metadata: MetadataSource;
  readonly queue: RecordQueue;
  /** Names the cluster in object URIs and the DEPLOYMENT note. */
  readonly cluster: string;
  /** Where audit records go; undefined turns them off. */
  readonly audit?: { readonly project: string } | undefined;
  /** Where deployment records go; undefined turns them off. */
  readonly deployments?: { readonly project: string; readonly platform: DeploymentPlatform } | undefined;
  /** The policy set's version, written into audit records. */
  readonly policyVersion?: (() => number | undefined) | undefined;
  readonly now?: () => Date;
}

export interface DecisionRecorder {
  /** Queues the records of one decision; never throws, never waits. */
  record(input: AdmissionInput, outcome: AdmissionOutcome): void;
  /** Queues the audit record of the re-check of a running Pod. */
  recordRecheck(input: AdmissionInput, outcome: AdmissionOutcome, compliant: boolean): void;
}

function splitNoteName(noteName: string): { project: string; noteId: string } {
  const [, project = "", , noteId = ""] = noteName.split("/");
  return { project, noteId };
}

export function createDecisionRecorder(options: DecisionRecorderOptions): DecisionRecorder {
  const notes = new Map<string, Promise<void>>();
  const clock = options.now ?? (() => new Date());

  function ensureNote(noteName: string, note: JsonObject, signal: AbortSignal): Promise<void> {
    let created = notes.get(noteName);
    if (created === undefined) {
      const { project, noteId } = splitNoteName(noteName);
      created = options.metadata.createNote(project, noteId, note, { signal }).then(() => undefined);
      notes.set(noteName, created);
      created.catch(() => notes.delete(noteName));
    }
    return created;
  }

  function write(noteName: string, note: JsonObject, occurrence: JsonObject) {
    const { project } = splitNoteName(noteName);
    return async (signal: AbortSignal) => {
      await ensureNote(noteName, note, signal);
      await options.metadata.createOccurrence(project, occurrence, { signal });
    };
  }

  return {
    record(input, outcome) {
      if (!outcome.reviewed || input.dryRun === true) return;
      const object = describeObjectReference(outcome.decision.object);
      if (options.audit !== undefined) {
        const audit = auditRecord(input, outcome, {
          project: options.audit.project,
          cluster: options.cluster,
          policyVersion: options.policyVersion?.(),
        });
        if (audit !== undefined) {
          options.queue.enqueue({
            type: "audit",
            description: `audit record of ${object} (${outcome.event})`,
            write: write(audit.noteName, audit.note, audit.occurrence),
          });
        }
      }
      if (options.deployments !== undefined) {
        const deployed = deploymentRecords(input, outcome, {
          project: options.deployments.project,
          cluster: options.cluster,
          platform: options.deployments.platform,
          now: clock(),
        });
        for (const occurrence of deployed?.occurrences ?? []) {
          options.queue.enqueue({
            type: "deployment",
            description: `deployment record of ${object} (${String(occurrence["resourceUri"])})`,
            write: write(deployed!.noteName, deployed!.note, occurrence),
          });
        }
      }
    },

    recordRecheck(input, outcome, compliant) {
      if (options.audit === undefined) return;
      const audit = recheckAuditRecord(input, outcome, compliant, {
        project: options.audit.project,
        cluster: options.cluster,
        policyVersion: options.policyVersion?.(),
      });
      options.queue.enqueue({
        type: "audit",
        description: `re-check record of ${describeObjectReference(outcome.decision.object)}`,
        write: write(audit.noteName, audit.note, audit.occurrence),
      });
    },
  };
}
