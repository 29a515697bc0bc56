/**
 * @module admission/readiness
 *
 * When the webhook may take traffic (`GET /readyz` answers 200):
 *
 * 1. **Its policies are read.** From a directory, at start; from the
 *    Kubernetes API, once the first list of every Kritis kind has arrived
 *    (kube/policy-watcher). Before that a review could only fail closed.
 * 2. **The metadata server has answered once.** At start the webhook probes
 *    it (a cheap list, admission/metadata-source `probe`), retrying with
 *    backoff until it answers.
 *
 * After that first answer, a metadata server that goes away does **not** make
 * the webhook unready. If every replica turned unready, the Service would
 * have no endpoints and the API server would refuse every workload with an
 * opaque "failed calling webhook" error (or, under `failurePolicy: Ignore`,
 * admit them unchecked); a ready webhook instead answers each review with a
 * reasoned decision under the KritisConfig `metadataFailurePolicy` (deny
 * saying the server is unreachable, or admit with a warning). The body of
 * `/readyz` and the `scriba_metadata_call_errors_total` metric report the
 * outage either way.
 */
import { ScribaError } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import { silentLogger } from "../logging/logger.js";
import type { AdmissionMetrics } from "./admission-metrics.js";
import type { MetadataSource } from "./metadata-source.js";

export interface ReadinessStatus {
  readonly ready: boolean;
  /** One line per condition: `policies: listed (version 3)`, `metadata: reached https://scriba:8443`. */
  readonly checks: Readonly<Record<string, string>>;
}

export interface ReadinessOptions {
  /** Whether the policies are read, and a word on their state. */
  readonly policies: () => { readonly ready: boolean; readonly detail: string };
  readonly metadata: MetadataSource;
  readonly logger?: Logger;
  readonly metrics?: AdmissionMetrics | undefined;
  /** Per probe (default 3000 ms). */
  readonly probeTimeoutMs?: number;
  /** The first retry delay; doubles up to `maxRetryMs` (defaults 500 ms and 10 s). */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
}

export class WebhookReadiness {
  readonly #options: ReadinessOptions;
  readonly #log: Logger;
  #metadataReached = false;
  #metadataDetail: string;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: ReadinessOptions) {
    this.#options = options;
    this.#metadataDetail = `not reached yet (${options.metadata.description}): the first probe has not answered`;
    this.#log = (options.logger ?? silentLogger).child({ component: "readiness" });
  }

  /** Starts probing the metadata server until it answers once. */
  start(): this {
    void this.#probe(0);
    return this;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  status(): ReadinessStatus {
    const policies = this.#options.policies();
    const ready = policies.ready && this.#metadataReached;
    this.#options.metrics?.ready.set(undefined, ready ? 1 : 0);
    return {
      ready,
      checks: { policies: policies.detail, metadata: this.#metadataDetail },
    };
  }

  async #probe(attempt: number): Promise<void> {
    if (this.#stopped) return;
    const source = this.#options.metadata;
    try {
      await source.probe({ signal: AbortSignal.timeout(this.#options.probeTimeoutMs ?? 3000) });
      this.#metadataReached = true;
      this.#metadataDetail = `reached ${source.description}`;
      this.#log.info("metadata server reached", { source: source.description });
      return;
    } catch (error) {
      const reason = error instanceof ScribaError ? error.message : "internal error";
      this.#metadataDetail = `not reached yet (${source.description}): ${reason}`;
      if (attempt === 0 || attempt % 10 === 0) this.#log.warn("metadata server not reached yet; not ready", { source: source.description, reason });
    }
    if (this.#stopped) return;
    const delay = Math.min(this.#options.maxRetryMs ?? 10_000, (this.#options.retryMs ?? 500) * 2 ** Math.min(attempt, 10));
    this.#timer = setTimeout(() => void this.#probe(attempt + 1), delay);
  }
}
