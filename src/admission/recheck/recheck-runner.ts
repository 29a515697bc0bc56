/**
 * @module admission/recheck/recheck-runner
 *
 * Runs the re-check (./recheck-pods.ts): once on demand (`scriba audit
 * --once`), or periodically inside the webhook (`--recheck-interval`,
 * default 1 hour as in Kritis; 0 turns it off). Passes never overlap: the
 * next one is scheduled when the previous one ends. The first pass starts
 * after `initialDelayMs` (default: a minute, or the interval if shorter), so
 * webhook replicas restarting together do not all re-check at once.
 *
 * The reviewer it uses is the admission engine configured for re-checks: no
 * answer cache, no attest-on-pass, vulnerabilities judged even for attested
 * images, no per-decision log line and no admission metrics (the re-check
 * has its own).
 */
import type { Logger } from "../../logging/logger.js";
import { silentLogger } from "../../logging/logger.js";
import type { PolicySet } from "../../policy/policy-set.js";
import type { AdmissionMetrics } from "../admission-metrics.js";
import type { VerificationCache } from "../cache/verification-cache.js";
import type { MetadataSource } from "../metadata-source.js";
import type { DecisionRecorder } from "../records/decision-recorder.js";
import { createAdmissionReviewer } from "../review-admission.js";
import type { RecheckOptions, RecheckSummary } from "./recheck-pods.js";
import { recheckPods } from "./recheck-pods.js";

export interface RecheckSetup {
  readonly policies: () => PolicySet;
  readonly metadata: MetadataSource;
  readonly verificationCache?: VerificationCache | undefined;
  readonly pods: RecheckOptions["pods"];
  readonly recorder?: DecisionRecorder | undefined;
  readonly deployments?: { readonly project: string; readonly cluster: string } | undefined;
  readonly logger?: Logger;
  readonly metrics?: AdmissionMetrics | undefined;
  readonly concurrency?: number;
  /** Per Pod: the metadata budget of its review (default 10 000 ms). */
  readonly reviewTimeoutMs?: number | undefined;
}

/** One re-check pass, ready to run (see the module comment for how its reviewer is configured). */
export function createRecheck(setup: RecheckSetup): () => Promise<RecheckSummary> {
  const reviewer = createAdmissionReviewer({
    policies: setup.policies,
    metadata: setup.metadata,
    verificationCache: setup.verificationCache,
    attestOnPass: false,
    attestationPasses: false,
    logDecisions: false,
  });
  return () =>
    recheckPods({
      pods: setup.pods,
      reviewer,
      recorder: setup.recorder,
      deployments: setup.deployments === undefined ? undefined : { metadata: setup.metadata, ...setup.deployments },
      logger: setup.logger,
      metrics: setup.metrics,
      concurrency: setup.concurrency,
      reviewTimeoutMs: setup.reviewTimeoutMs,
    });
}

export interface RecheckLoopOptions {
  readonly intervalMs: number;
  readonly initialDelayMs?: number;
  readonly run: () => Promise<RecheckSummary>;
  readonly logger?: Logger;
  readonly metrics?: AdmissionMetrics | undefined;
}

export interface RecheckLoop {
  /** Stops scheduling passes and waits for the one running, if any. */
  stop(): Promise<void>;
}

export function startRecheckLoop(options: RecheckLoopOptions): RecheckLoop {
  const log = (options.logger ?? silentLogger).child({ component: "recheck" });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const pass = async () => {
    try {
      const summary = await options.run();
      options.metrics?.recheckRuns.inc({ result: "completed" });
      log.info("re-check pass completed", { ...summary });
    } catch (error) {
      options.metrics?.recheckRuns.inc({ result: "failed" });
      log.warn("re-check pass failed; the next one runs at the usual interval", {
        reason: error instanceof Error ? error.message : "internal error",
      });
    }
  };
  const schedule = (delay: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(() => {
        running = undefined;
        schedule(options.intervalMs);
      });
    }, delay);
  };
  schedule(options.initialDelayMs ?? Math.min(60_000, options.intervalMs));
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
