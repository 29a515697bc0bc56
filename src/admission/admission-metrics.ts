/**
 * @module admission/admission-metrics
 *
 * Every metric the admission webhook exposes at `/metrics`, declared in one
 * place so their names, labels and meaning are documented together
 * (docs/admission-production.md lists them). Labels are bounded: decisions,
 * policy names, cache names, metadata operations and error codes, never
 * images or object names.
 *
 * | metric | labels | meaning |
 * |---|---|---|
 * | `scriba_admission_decisions_total` | `decision` | reviews answered: allow, deny, dry-run-would-deny, breakglass, not-reviewed, error |
 * | `scriba_admission_policy_decisions_total` | `decision`, `policy` | the same, once per policy that applied (`GenericAttestationPolicy prod/require-qa`) |
 * | `scriba_admission_review_duration_seconds` | `decision` | time from the request's arrival to its answer being ready |
 * | `scriba_admission_cache_requests_total` | `cache`, `result` | `cache`: `metadata` (answers) or `verification`; `result`: hit, miss, shared (joined a load in flight) |
 * | `scriba_admission_verifications_total` | `status` | attestation verifications actually run (cache misses), by verdict |
 * | `scriba_metadata_call_duration_seconds` | `operation` | calls to the metadata server |
 * | `scriba_metadata_call_errors_total` | `operation`, `code` | the calls that failed, by error code |
 * | `scriba_admission_records_total` | `type`, `result` | audit and deployment records: written, dropped-queue-full, dropped-write-failed |
 * | `scriba_admission_record_queue_depth` | | records waiting to be written |
 * | `scriba_admission_policy_version` | | the policy set's version (changes when policies change) |
 * | `scriba_admission_ready` | | 1 when /readyz answers 200 |
 * | `scriba_recheck_runs_total` | `result` | background re-check passes: completed, failed |
 * | `scriba_recheck_pods_total` | `outcome` | pods re-checked: compliant, noncompliant, patched, gone, failed |
 * | `scriba_recheck_undeployed_total` | | DEPLOYMENT occurrences given an undeployTime |
 */
import type { Counter, Gauge, Histogram } from "../metrics/metrics-registry.js";
import { MetricsRegistry, latencyBuckets } from "../metrics/metrics-registry.js";

export interface AdmissionMetrics {
  readonly registry: MetricsRegistry;
  readonly decisions: Counter;
  readonly policyDecisions: Counter;
  readonly reviewDuration: Histogram;
  readonly cacheRequests: Counter;
  readonly verifications: Counter;
  readonly metadataCallDuration: Histogram;
  readonly metadataCallErrors: Counter;
  readonly records: Counter;
  readonly recordQueueDepth: Gauge;
  readonly policyVersion: Gauge;
  readonly ready: Gauge;
  readonly recheckRuns: Counter;
  readonly recheckPods: Counter;
  readonly recheckUndeployed: Counter;
}

/** Declares the admission metrics on `registry` (a new one by default). */
export function createAdmissionMetrics(registry = new MetricsRegistry()): AdmissionMetrics {
  return {
    registry,
    decisions: registry.counter({
      name: "scriba_admission_decisions_total",
      help: "Admission reviews answered, by decision.",
      labelNames: ["decision"],
    }),
    policyDecisions: registry.counter({
      name: "scriba_admission_policy_decisions_total",
      help: "Admission reviews answered, by decision, once per policy that applied.",
      labelNames: ["decision", "policy"],
    }),
    reviewDuration: registry.histogram({
      name: "scriba_admission_review_duration_seconds",
      help: "Time to review one AdmissionReview, by decision.",
      labelNames: ["decision"],
      buckets: latencyBuckets,
    }),
    cacheRequests: registry.counter({
      name: "scriba_admission_cache_requests_total",
      help: "Cache lookups: hit, miss, or shared (joined a load already in flight).",
      labelNames: ["cache", "result"],
    }),
    verifications: registry.counter({
      name: "scriba_admission_verifications_total",
      help: "Attestation verifications run (cache misses), by verdict.",
      labelNames: ["status"],
    }),
    metadataCallDuration: registry.histogram({
      name: "scriba_metadata_call_duration_seconds",
      help: "Calls to the metadata (Scriba/Grafeas) server, by operation.",
      labelNames: ["operation"],
      buckets: latencyBuckets,
    }),
    metadataCallErrors: registry.counter({
      name: "scriba_metadata_call_errors_total",
      help: "Calls to the metadata server that failed, by operation and error code.",
      labelNames: ["operation", "code"],
    }),
    records: registry.counter({
      name: "scriba_admission_records_total",
      help: "Audit and deployment records, by type and result (written, dropped-queue-full, dropped-write-failed).",
      labelNames: ["type", "result"],
    }),
    recordQueueDepth: registry.gauge({
      name: "scriba_admission_record_queue_depth",
      help: "Records waiting to be written to the metadata server.",
    }),
    policyVersion: registry.gauge({
      name: "scriba_admission_policy_version",
      help: "Version of the policy set in force; changes whenever the policies change.",
    }),
    ready: registry.gauge({
      name: "scriba_admission_ready",
      help: "1 when the webhook is ready (policies read, metadata server reached), else 0.",
    }),
    recheckRuns: registry.counter({
      name: "scriba_recheck_runs_total",
      help: "Background re-check passes, by result.",
      labelNames: ["result"],
    }),
    recheckPods: registry.counter({
      name: "scriba_recheck_pods_total",
      help: "Pods re-checked, by outcome.",
      labelNames: ["outcome"],
    }),
    recheckUndeployed: registry.counter({
      name: "scriba_recheck_undeployed_total",
      help: "DEPLOYMENT occurrences marked with an undeployTime because their pod is gone.",
    }),
  };
}
