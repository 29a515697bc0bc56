/**
 * @module admission/webhook-runtime
 *
 * The admission webhook as it runs in a cluster, assembled from its parts:
 *
 *     policies (directory | Kubernetes watch) ─┐
 *     metadata source ─ instrumented ─ answer cache ─┤
 *                        verification cache ─────────┼─ reviewer ─ handler ─ HTTPS listener
 *     record queue ← decision recorder ←─────────────┘     (/validate /healthz /readyz /metrics)
 *     readiness (policies read, metadata reached once)
 *     re-check loop (optional: pods, own-namespace policies, marks, records)
 *
 * What `scriba webhook` and `scriba serve`'s in-process webhook both start.
 * The caller owns the policy provider and the metadata source (and closes
 * them after {@link RunningAdmissionWebhook.close}); everything else is
 * created and closed here.
 */
import type { Logger } from "../logging/logger.js";
import type { ListenAddress } from "../server/listen-address.js";
import { createAdmissionHandler } from "./admission-handler.js";
import type { AdmissionMetrics } from "./admission-metrics.js";
import { createAdmissionMetrics } from "./admission-metrics.js";
import type { AttestorKeys } from "./attestor-keys.js";
import type { SigningSecrets } from "./signing-secrets.js";
import { AnswerCache } from "./cache/answer-cache.js";
import { DecisionCache } from "./cache/decision-cache.js";
import { VerificationCache } from "./cache/verification-cache.js";
import { instrumentMetadata } from "./instrumented-metadata.js";
import type { MetadataSource } from "./metadata-source.js";
import type { PolicyProvider } from "./policy-provider.js";
import { WebhookReadiness } from "./readiness.js";
import type { RecheckLoop } from "./recheck/recheck-runner.js";
import { createRecheck, startRecheckLoop } from "./recheck/recheck-runner.js";
import type { RecheckOptions } from "./recheck/recheck-pods.js";
import { createDecisionRecorder } from "./records/decision-recorder.js";
import type { DeploymentPlatform } from "./records/deployment-record.js";
import { RecordQueue } from "./records/record-queue.js";
import type { KeptDecision } from "./review-admission.js";
import { createAdmissionReviewer } from "./review-admission.js";
import type { TlsMaterial } from "./webhook-server.js";
import { startWebhookServer } from "./webhook-server.js";

export interface CacheSettings {
  /** Answers of the metadata server (default 30 s; 0 turns the answer cache off). */
  readonly answerTtlMs?: number | undefined;
  /** Attestation answers that verified nothing (default 2 s). */
  readonly negativeAnswerTtlMs?: number | undefined;
  /** Verdicts of verification (default 5 min; 0 turns the verification cache off). */
  readonly verificationTtlMs?: number | undefined;
  /** Entries per cache (default 10 000). */
  readonly maxEntries?: number | undefined;
}
// The decision cache has no setting of its own: it keeps what the other two allow, for as long as they do (./cache/decision-cache.ts).

export interface RecordSettings {
  /** Names the cluster in records (`kubernetes://CLUSTER/…`, the DEPLOYMENT note). */
  readonly cluster: string;
  readonly audit?: { readonly project: string } | undefined;
  readonly deployments?: { readonly project: string; readonly platform: DeploymentPlatform } | undefined;
  /** Records waiting to be written before new ones are dropped (default 10 000). */
  readonly queueCapacity?: number | undefined;
}

export interface AdmissionWebhookOptions {
  readonly listen: ListenAddress;
  readonly tls: TlsMaterial;
  readonly policies: PolicyProvider;
  readonly metadata: MetadataSource;
  readonly logger: Logger;
  readonly attestorKeys?: AttestorKeys | undefined;
  /** The keys of `privateKeySecretName` Secrets, read through the Kubernetes API. */
  readonly signingSecrets?: SigningSecrets | undefined;
  /** Upper bound for one review's metadata fetch (default 8000 ms, less when the API server's timeout is shorter). */
  readonly reviewTimeoutMs?: number | undefined;
  readonly cache?: CacheSettings | undefined;
  /** Audit and deployment records; none when absent. */
  readonly records?: RecordSettings | undefined;
  /** The periodic re-check of running pods; off when absent. */
  readonly recheck?: { readonly intervalMs: number; readonly initialDelayMs?: number; readonly pods: RecheckOptions["pods"] } | undefined;
  readonly metrics?: AdmissionMetrics | undefined;
}

export interface RunningAdmissionWebhook {
  /** `https://host:port`. */
  readonly url: string;
  readonly metrics: AdmissionMetrics;
  readonly readiness: WebhookReadiness;
  readonly answerCache: AnswerCache;
  readonly verificationCache: VerificationCache;
  readonly decisionCache: DecisionCache<KeptDecision>;
  readonly records: RecordQueue | undefined;
  /** Stops the re-check, the listener and readiness probing, then writes what is queued (bounded). */
  close(): Promise<void>;
}

export async function startAdmissionWebhook(options: AdmissionWebhookOptions): Promise<RunningAdmissionWebhook> {
  const { logger, policies } = options;
  const metrics = options.metrics ?? createAdmissionMetrics();
  const metadata = instrumentMetadata(options.metadata, metrics);
  const cache = options.cache ?? {};
  const answerCache = new AnswerCache({
    ttlMs: cache.answerTtlMs,
    negativeTtlMs: cache.negativeAnswerTtlMs,
    maxEntries: cache.maxEntries,
    metrics,
  });
  const verificationCache = new VerificationCache({ ttlMs: cache.verificationTtlMs, maxEntries: cache.maxEntries, metrics });
  const decisionCache = new DecisionCache<KeptDecision>({ answers: answerCache, verdicts: verificationCache, maxEntries: cache.maxEntries, metrics });
  const records = options.records;
  const queue = records === undefined ? undefined : new RecordQueue({ capacity: records.queueCapacity, logger, metrics });
  const recorder =
    records === undefined || queue === undefined
      ? undefined
      : createDecisionRecorder({
          metadata,
          queue,
          cluster: records.cluster,
          audit: records.audit,
          deployments: records.deployments,
          policyVersion: () => policies.version(),
        });
  const version = policies.version();
  if (version !== undefined) metrics.policyVersion.set(undefined, version);
  const unsubscribe = policies.onChange((next) => metrics.policyVersion.set(undefined, next));
  const readiness = new WebhookReadiness({ policies: () => policies.status(), metadata, logger, metrics }).start();
  const reviewer = createAdmissionReviewer({
    policies: () => policies.current(),
    metadata,
    logger,
    attestorKeys: options.attestorKeys,
    signingSecrets: options.signingSecrets,
    answerCache,
    verificationCache,
    decisionCache,
    metrics,
    recorder,
  });
  const handler = createAdmissionHandler({
    policies: () => policies.current(),
    metadata,
    logger,
    reviewer,
    reviewTimeoutMs: options.reviewTimeoutMs,
    readiness: () => readiness.status(),
    metrics,
  });
  let server;
  try {
    server = await startWebhookServer({ host: options.listen.host, port: options.listen.port, tls: options.tls, handler, logger });
  } catch (error) {
    readiness.stop();
    unsubscribe();
    throw error;
  }
  logger.info("admission webhook configured", {
    policies: policies.description,
    metadata: metadata.description,
    cache: { answerTtlMs: answerCache.ttlMs, negativeAnswerTtlMs: answerCache.negativeTtlMs, verificationTtlMs: verificationCache.ttlMs },
    records: records === undefined ? "off" : { cluster: records.cluster, audit: records.audit?.project ?? "off", deployments: records.deployments?.project ?? "off" },
    recheckIntervalMs: options.recheck?.intervalMs ?? "off",
  });

  let loop: RecheckLoop | undefined;
  if (options.recheck !== undefined && options.recheck.intervalMs > 0) {
    loop = startRecheckLoop({
      intervalMs: options.recheck.intervalMs,
      initialDelayMs: options.recheck.initialDelayMs,
      logger,
      metrics,
      run: createRecheck({
        policies: () => policies.current(),
        metadata,
        verificationCache,
        pods: options.recheck.pods,
        recorder,
        deployments: records?.deployments === undefined ? undefined : { project: records.deployments.project, cluster: records.cluster },
        logger,
        metrics,
      }),
    });
  }

  return {
    url: server.url,
    metrics,
    readiness,
    answerCache,
    verificationCache,
    decisionCache,
    records: queue,
    async close() {
      await loop?.stop();
      readiness.stop();
      unsubscribe();
      await server.close();
      await queue?.close();
    },
  };
}
