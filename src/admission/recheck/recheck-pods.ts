/**
 * @module admission/recheck/recheck-pods
 *
 * One pass of the background re-check of running Pods (Kritis' cron, with
 * its holes closed):
 *
 * 1. List every Pod of the cluster (one consistent listing; a failure stops
 *    the pass). Pods that have finished (`Succeeded`, `Failed`) run nothing
 *    and are skipped.
 * 2. Judge each running Pod exactly as admission would judge its creation,
 *    **against the policies of its own namespace only** (the engine looks up
 *    the Pod's namespace; Kritis' cron applied every namespace's
 *    ImageSecurityPolicies to every Pod), with current metadata:
 *    - the answer cache is bypassed (a pass runs once an hour; it should see
 *      what the metadata server holds now), while verdicts of verification
 *      are reused, since they are keyed by the occurrences' content;
 *    - vulnerabilities are judged even when an ImageSecurityPolicy's
 *      attestation admitted the image (so findings that appeared since
 *      admission show), and no attestation is made.
 * 3. Set **and clear** the `kritis.grafeas.io/attestation` and
 *    `kritis.grafeas.io/invalidImageSecPolicy` labels and annotations
 *    (./pod-marks.ts, kube/pod-client): a Pod that passes again loses its
 *    stale marks. Pods that cannot be judged keep theirs.
 * 4. Record an audit occurrence for every Pod found noncompliant, and for
 *    every Pod whose marks changed (admission/records).
 * 5. Give the DEPLOYMENT occurrences of containers that no longer run their
 *    `undeployTime` (./undeploy.ts).
 *
 * It only reads Pods and patches their metadata: it never deletes or evicts
 * a Pod. Pods are judged a few at a time (`concurrency`, default 8).
 */
import type { V1Pod } from "@kubernetes/client-node";
import { ScribaError } from "../../errors.js";
import type { Logger } from "../../logging/logger.js";
import { silentLogger } from "../../logging/logger.js";
import type { PodClient, PodMarkResult } from "../../kube/pod-client.js";
import type { AdmissionInput } from "../admission-input.js";
import type { AdmissionMetrics } from "../admission-metrics.js";
import type { MetadataSource } from "../metadata-source.js";
import type { DecisionRecorder } from "../records/decision-recorder.js";
import type { AdmissionReviewer } from "../review-admission.js";
import { podVerdict } from "./pod-marks.js";
import type { UndeployResult } from "./undeploy.js";
import { markUndeployed } from "./undeploy.js";

export interface RecheckOptions {
  readonly pods: Pick<PodClient, "listPods" | "setPodReviewLabels">;
  /** A reviewer configured for re-checks (./recheck-runner.ts makes one). */
  readonly reviewer: AdmissionReviewer;
  readonly recorder?: DecisionRecorder | undefined;
  /** Where DEPLOYMENT occurrences are closed; undefined leaves them alone. */
  readonly deployments?: { readonly metadata: MetadataSource; readonly project: string; readonly cluster: string } | undefined;
  readonly logger?: Logger;
  readonly metrics?: AdmissionMetrics | undefined;
  readonly concurrency?: number;
  /** Per Pod: the metadata budget of its review (default 10 000 ms). */
  readonly reviewTimeoutMs?: number | undefined;
}

export interface RecheckSummary {
  readonly pods: number;
  readonly skippedFinished: number;
  readonly compliant: number;
  readonly noncompliant: number;
  readonly unjudged: number;
  readonly patched: number;
  readonly unchanged: number;
  readonly gone: number;
  readonly failed: number;
  readonly undeploy: UndeployResult | { readonly error: string } | undefined;
  readonly durationMs: number;
}

const finishedPhases = new Set(["Succeeded", "Failed"]);

/** A running Pod as admission would see its creation. */
export function podAdmissionInput(pod: V1Pod): AdmissionInput {
  return {
    operation: "CREATE",
    kind: { group: "", kind: "Pod" },
    resource: { group: "", version: "v1", resource: "pods" },
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    uid: pod.metadata?.uid,
    object: pod,
  };
}

export async function recheckPods(options: RecheckOptions): Promise<RecheckSummary> {
  const started = Date.now();
  const log = (options.logger ?? silentLogger).child({ component: "recheck" });
  const listedAt = new Date();
  const all = await options.pods.listPods();
  const running = all.filter((pod) => !finishedPhases.has(pod.status?.phase ?? ""));
  const counts = { compliant: 0, noncompliant: 0, unjudged: 0, patched: 0, unchanged: 0, gone: 0, failed: 0 };
  const count = (outcome: keyof typeof counts) => {
    counts[outcome] += 1;
    options.metrics?.recheckPods.inc({ outcome });
  };

  async function recheckOne(pod: V1Pod): Promise<void> {
    const name = `${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`;
    try {
      const input = podAdmissionInput(pod);
      const outcome = await options.reviewer.review(input, { timeoutMs: options.reviewTimeoutMs ?? 10_000 });
      const verdict = podVerdict(outcome);
      if (verdict.kind === "unjudged") {
        count("unjudged");
        log.warn("pod not re-checked; its marks are left as they are", { pod: name, reason: verdict.reason });
        return;
      }
      count(verdict.compliant ? "compliant" : "noncompliant");
      const marked: PodMarkResult = await options.pods.setPodReviewLabels(pod, verdict.marks);
      count(marked.result === "patched" ? "patched" : marked.result === "gone" ? "gone" : "unchanged");
      if (!verdict.compliant || marked.result === "patched") {
        options.recorder?.recordRecheck(input, outcome, verdict.compliant);
        const level = verdict.compliant ? "info" : "warn";
        log[level]("pod re-checked", {
          pod: name,
          compliant: verdict.compliant,
          marks: marked.result,
          reasons: outcome.message === "" ? outcome.warnings : [outcome.message],
        });
      }
    } catch (error) {
      count("failed");
      log.warn("re-checking a pod failed", { pod: name, reason: error instanceof ScribaError ? error.message : "internal error" });
    }
  }

  const queue = [...running];
  const worker = async () => {
    for (let pod = queue.shift(); pod !== undefined; pod = queue.shift()) await recheckOne(pod);
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, Math.max(1, queue.length)) }, worker));

  let undeploy: RecheckSummary["undeploy"];
  if (options.deployments !== undefined) {
    try {
      undeploy = await markUndeployed({ ...options.deployments, pods: running, listedAt });
      options.metrics?.recheckUndeployed.inc(undefined, undeploy.undeployed);
    } catch (error) {
      undeploy = { error: error instanceof ScribaError ? error.message : "internal error" };
      log.warn("closing the deployment records of gone pods failed", { reason: undeploy.error });
    }
  }
  return {
    pods: running.length,
    skippedFinished: all.length - running.length,
    ...counts,
    undeploy,
    durationMs: Date.now() - started,
  };
}
