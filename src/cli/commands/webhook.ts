/**
 * @module cli/commands/webhook
 *
 * `scriba webhook`: the validating admission webhook as its own process.
 * Reads the policies (a directory once, or the cluster's Kritis objects live
 * through the Kubernetes API), opens the metadata source (a Scriba server
 * over REST or gRPC, or an embedded store), reads the signing keys for attest-on-pass, and
 * serves AdmissionReviews, `/healthz`, `/readyz` and `/metrics` over HTTPS
 * until SIGINT/SIGTERM, writing audit and deployment records and, with a
 * Kubernetes API, re-checking running pods periodically
 * (admission/webhook-runtime).
 *
 * Policy problems are logged when read (each also denies in its namespace,
 * fail closed); unreadable files (policies, TLS material, keys) stop the
 * command with the file named.
 */
import { loadAttestorKeys, parseAttestorKeySpec } from "../../admission/attestor-keys.js";
import type { StoreOpener } from "../../admission/embedded-metadata.js";
import { defaultStoreOpener, openMetadataSource } from "../../admission/embedded-metadata.js";
import type { MetadataSource } from "../../admission/metadata-source.js";
import { createAdmissionMetrics } from "../../admission/admission-metrics.js";
import { startAdmissionWebhook } from "../../admission/webhook-runtime.js";
import { readTlsFiles } from "../../admission/webhook-server.js";
import { loadKubernetesClients } from "../../kube/load-kubernetes-clients.js";
import { SigningSecrets } from "../../admission/signing-secrets.js";
import type { Logger, LogLevel } from "../../logging/logger.js";
import { batchedLines } from "../../logging/batched-lines.js";
import { createLogger } from "../../logging/logger.js";
import { parseListenAddress, type ListenAddress } from "../../server/listen-address.js";
import type { CliIO, Command } from "../command.js";
import { exitCodes, untilAborted } from "../command.js";
import type { SettingValues } from "../settings.js";
import { configFileSetting, describeSettings, duration, oneOf, readCommandSettings, required, setting, text } from "../settings.js";
import { metadataLocation, metadataSettings } from "./admission-settings.js";
import { cacheSettingsOf, openPolicySource, policySourceSettings, recordSettingsOf, runtimeSettings } from "./admission-runtime-settings.js";

const logLevels = ["debug", "info", "warn", "error"] as const satisfies readonly LogLevel[];

/** The webhook's own HTTPS listener; `scriba serve --webhook-listen` sets the same key. */
const listenSetting = setting({
    flag: "listen",
    key: "webhook.listen",
    env: "SCRIBA_WEBHOOK_LISTEN",
    valueName: "HOST:PORT",
    description: "Where to serve HTTPS (the webhook Service's targetPort).",
    default: "0.0.0.0:8443",
    parse: (value) => parseListenAddress(value, "--listen"),
});

/** The webhook settings `scriba serve` shares when it runs the webhook in-process. */
export const webhookSettings = {
  tlsCert: setting({
    flag: "tls-cert",
    key: "webhook.tlsCert",
    env: "SCRIBA_WEBHOOK_TLS_CERT",
    valueName: "FILE",
    description: "PEM serving certificate (chain) the API server verifies against the webhook's caBundle. Required.",
    parse: text,
  }),
  tlsKey: setting({
    flag: "tls-key",
    key: "webhook.tlsKey",
    env: "SCRIBA_WEBHOOK_TLS_KEY",
    valueName: "FILE",
    description: "PEM private key of the serving certificate. Required.",
    parse: text,
  }),
  ...policySourceSettings,
  attestorKey: setting({
    flag: "attestor-key",
    key: "webhook.attestorKeys",
    env: "SCRIBA_ATTESTOR_KEYS",
    valueName: "AUTHORITY=FILE",
    description:
      "PEM private key to sign attest-on-pass attestations with for an AttestationAuthority (NAME or NAMESPACE/NAME); its public key must be one of the authority's PKIX publicKeys. Wins over an ImageSecurityPolicy's privateKeySecretName. Repeatable.",
    multiple: true,
    parse: parseAttestorKeySpec,
  }),
  attestorSecretTtl: setting({
    flag: "attestor-secret-ttl",
    key: "webhook.attestorSecretTtl",
    env: "SCRIBA_ATTESTOR_SECRET_TTL",
    valueName: "DURATION",
    description:
      "With --policy-source kubernetes: how long the Secret an ImageSecurityPolicy names in privateKeySecretName (its attest-on-pass signing key) is used before it is read again, so a rotated key is picked up.",
    default: "1m",
    parse: duration("--attestor-secret-ttl"),
  }),
  ...runtimeSettings,
};

const specs = {
  listen: listenSetting,
  ...webhookSettings,
  ...metadataSettings,
  logLevel: setting({
    flag: "log-level",
    key: "logLevel",
    env: "SCRIBA_LOG_LEVEL",
    valueName: "LEVEL",
    description: "debug, info, warn or error.",
    default: "info",
    parse: oneOf("--log-level", logLevels),
  }),
};

export interface PolicyWebhookOptions {
  readonly listen: ListenAddress;
  readonly tlsCert: string;
  readonly tlsKey: string;
  /** The webhook settings as read (policy source, records, caches, re-check). */
  readonly settings: SettingValues<typeof webhookSettings>;
  readonly metadata: MetadataSource;
  /**
   * The metadata is read in-process (`scriba serve`): reading it costs
   * microseconds, so answers are never reused and a just-uploaded attestation
   * counts at once. Verification verdicts are still cached (they are keyed by
   * the occurrences themselves, so they are never stale).
   */
  readonly metadataInProcess?: boolean;
  readonly logger: Logger;
  readonly reviewTimeoutMs?: number | undefined;
}

export interface RunningPolicyWebhook {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Reads the policies and keys and starts the HTTPS webhook over `metadata`:
 * what `scriba webhook` runs, and what `scriba serve` runs beside the
 * Grafeas API in one process.
 */
export async function startPolicyWebhook(options: PolicyWebhookOptions): Promise<RunningPolicyWebhook> {
  const { logger, metadata, settings } = options;
  const tls = readTlsFiles(options.tlsCert, options.tlsKey);
  const attestorKeys = await loadAttestorKeys(settings.attestorKey ?? []);
  const metrics = createAdmissionMetrics();
  const { provider, kubeConfig } = await openPolicySource(settings, logger);
  // The clients are loaded only with a cluster to talk to: a webhook that reads a policy directory never pays for them.
  const cluster = kubeConfig === undefined ? undefined : { kubeConfig, clients: await loadKubernetesClients() };
  // privateKeySecretName is read only where the policies come from the cluster: a policy directory names
  // Secrets of no particular cluster, and --kubeconfig alone is for the re-check.
  const signingSecrets =
    settings.policySource === "kubernetes" && cluster !== undefined
      ? new SigningSecrets(new cluster.clients.SecretClient(cluster.kubeConfig), { ttlMs: settings.attestorSecretTtl ?? 60_000, logger })
      : undefined;
  logger.info("metadata source", {
    source: metadata.description,
    attestorKeys: attestorKeys.keys.map((k) => `${k.namespace === undefined ? "" : `${k.namespace}/`}${k.name}`),
    signingKeysFromCluster: signingSecrets === undefined ? "off (--policy-source kubernetes only)" : `read from the Kubernetes API, reused for ${signingSecrets.ttlMs} ms`,
  });
  const recheckIntervalMs = settings.recheckInterval ?? 3_600_000;
  if (recheckIntervalMs > 0 && cluster === undefined) {
    logger.info("the re-check of running pods is off: no Kubernetes API is configured (--policy-source kubernetes or --kubeconfig)");
  }
  try {
    const webhook = await startAdmissionWebhook({
      listen: options.listen,
      tls,
      policies: provider,
      metadata,
      logger,
      attestorKeys,
      signingSecrets,
      reviewTimeoutMs: options.reviewTimeoutMs,
      cache: options.metadataInProcess
        ? { ...cacheSettingsOf(settings), answerTtlMs: 0, negativeAnswerTtlMs: 0 }
        : cacheSettingsOf(settings),
      records: recordSettingsOf(settings),
      recheck:
        cluster === undefined || recheckIntervalMs === 0
          ? undefined
          : { intervalMs: recheckIntervalMs, pods: new cluster.clients.PodClient(cluster.kubeConfig, { logger }) },
      metrics,
    });
    return {
      url: webhook.url,
      async close() {
        await webhook.close();
        await provider.stop();
      },
    };
  } catch (error) {
    await provider.stop();
    throw error;
  }
}

export interface WebhookCommandOptions {
  /** Opens the store for `--storage` (the default opens memory and SQLite). */
  readonly openStore?: StoreOpener;
}

export function createWebhookCommand(options: WebhookCommandOptions = {}): Command {
  return {
    name: "webhook",
    summary: "Serve the Kritis-style validating admission webhook over HTTPS",
    help: () =>
      [
        "Usage: scriba webhook --tls-cert FILE --tls-key FILE (--policy-dir DIR | --policy-source kubernetes [--kubeconfig FILE])",
        "                      (--server URL | --storage SPEC) [options]",
        "",
        "Serves AdmissionReview admission.k8s.io/v1 and v1beta1 at POST /validate (and POST /),",
        "GET /healthz, GET /readyz and GET /metrics (Prometheus).",
        "Reviews Pods (and pods/ephemeralcontainers), Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,",
        "CronJobs and ReplicationControllers on CREATE and UPDATE; see docs/admission.md for the rules and",
        "docs/admission-production.md for live policies, records, caches, metrics and the re-check.",
        "",
        "Metadata comes from a Scriba server (--server; the scheme chooses the transport: http:// or https://",
        "for REST, grpc:// for plaintext gRPC, grpcs:// for gRPC over TLS, with --server-ca for a private CA)",
        "or from an embedded store (--storage).",
        "",
        "Options:",
        describeSettings({ ...specs, config: configFileSetting }),
        "",
      ].join("\n"),
    async run(args: readonly string[], io: CliIO): Promise<number> {
      const { values, commandLine } = readCommandSettings(args, specs, io.env);
      const tlsCert = required(values.tlsCert, "tls-cert", "FILE");
      const tlsKey = required(values.tlsKey, "tls-key", "FILE");
      const listen = values.listen ?? parseListenAddress("0.0.0.0:8443");
      const location = metadataLocation(values, commandLine);
      // One line per decision: written after the answers, batched (logging/batched-lines), all of them by the end.
      const lines = batchedLines(io.stderr);
      const logger = createLogger({ level: values.logLevel ?? "info", write: (line) => lines.write(line), fields: { component: "admission-webhook" } });

      try {
        const metadata = await openMetadataSource(location, options.openStore ?? defaultStoreOpener);
        try {
          const server = await startPolicyWebhook({
            listen,
            tlsCert,
            tlsKey,
            settings: values,
            metadata,
            logger,
            reviewTimeoutMs: values.metadataTimeout,
          });
          await untilAborted(io.signal);
          logger.info("admission webhook stopping");
          await server.close();
        } finally {
          await metadata.close();
        }
      } finally {
        lines.close();
      }
      return exitCodes.ok;
    },
  };
}

export const webhookCommand = createWebhookCommand();
