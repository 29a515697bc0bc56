/**
 * @module cli/commands/webhook
 *
 * `scriba webhook`: the validating admission webhook as its own process.
 * Loads the policy directory once, opens the metadata source (a Scriba
 * server, or an embedded store), reads the signing keys for attest-on-pass,
 * and serves AdmissionReviews over HTTPS until SIGINT/SIGTERM.
 *
 * Policy problems are logged at start (each also denies in its namespace,
 * fail closed); unreadable files (policies, TLS material, keys) stop the
 * command with the file named.
 */
import { createAdmissionHandler } from "../../admission/admission-handler.js";
import { loadAttestorKeys, parseAttestorKeySpec, type AttestorKeySpec } from "../../admission/attestor-keys.js";
import type { StoreOpener } from "../../admission/embedded-metadata.js";
import { defaultStoreOpener, openMetadataSource } from "../../admission/embedded-metadata.js";
import { readTlsFiles, startWebhookServer } from "../../admission/webhook-server.js";
import type { Logger, LogLevel } from "../../logging/logger.js";
import { createLogger } from "../../logging/logger.js";
import { loadPolicyDirectory } from "../../policy/policy-documents.js";
import type { PolicySet } from "../../policy/policy-set.js";
import { parseListenAddress, type ListenAddress } from "../../server/listen-address.js";
import type { MetadataSource } from "../../admission/metadata-source.js";
import type { CliIO, Command } from "../command.js";
import { exitCodes, untilAborted } from "../command.js";
import { configFileSetting, describeSettings, oneOf, readCommandSettings, required, setting, text } from "../settings.js";
import { metadataLocation, metadataSettings, policyDirSetting } from "./admission-settings.js";

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
  policyDir: policyDirSetting,
  attestorKey: setting({
    flag: "attestor-key",
    key: "webhook.attestorKeys",
    env: "SCRIBA_ATTESTOR_KEYS",
    valueName: "AUTHORITY=FILE",
    description:
      "PEM private key to sign attest-on-pass attestations with for an AttestationAuthority (NAME or NAMESPACE/NAME); its public key must be one of the authority's PKIX publicKeys. Repeatable.",
    multiple: true,
    parse: parseAttestorKeySpec,
  }),
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
  readonly policyDir: string;
  readonly attestorKeys: readonly AttestorKeySpec[];
  readonly metadata: MetadataSource;
  readonly logger: Logger;
  readonly reviewTimeoutMs?: number | undefined;
}

/**
 * Loads the policies and keys and starts the HTTPS webhook over `metadata`:
 * what `scriba webhook` runs, and what `scriba serve --policy-dir` runs
 * beside the Grafeas API in one process.
 */
export async function startPolicyWebhook(options: PolicyWebhookOptions) {
  const { logger, metadata } = options;
  const tls = await readTlsFiles(options.tlsCert, options.tlsKey);
  const attestorKeys = await loadAttestorKeys(options.attestorKeys);
  const policies = await loadPolicyDirectory(options.policyDir);
  reportPolicies(policies, logger);
  logger.info("metadata source", { source: metadata.description, attestorKeys: attestorKeys.keys.map((k) => `${k.namespace === undefined ? "" : `${k.namespace}/`}${k.name}`) });
  const handler = createAdmissionHandler({ policies, metadata, logger, attestorKeys, reviewTimeoutMs: options.reviewTimeoutMs });
  return startWebhookServer({ host: options.listen.host, port: options.listen.port, tls, handler, logger });
}

function reportPolicies(policies: PolicySet, logger: Logger): void {
  const namespaces = [...policies.namespaces.values()];
  logger.info("policies loaded", {
    namespaces: namespaces.map((n) => n.namespace),
    genericAttestationPolicies: namespaces.reduce((sum, n) => sum + n.genericAttestationPolicies.length, 0),
    imageSecurityPolicies: namespaces.reduce((sum, n) => sum + n.imageSecurityPolicies.length, 0),
    noPolicyDefault: policies.config.noPolicyDefault,
  });
  const problems = [...policies.clusterProblems, ...namespaces.flatMap((n) => n.problems)];
  for (const problem of problems) {
    logger.warn("invalid policy; its namespaces deny every reviewed image until it is fixed", {
      namespace: problem.namespace ?? "(every namespace)",
      problem: problem.message,
    });
  }
  for (const note of policies.notes) logger.info("policy note", { note: note.message });
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
        "Usage: scriba webhook --tls-cert FILE --tls-key FILE --policy-dir DIR (--server URL | --storage SPEC) [options]",
        "",
        "Serves AdmissionReview admission.k8s.io/v1 and v1beta1 at POST /validate (and POST /), and GET /healthz.",
        "Reviews Pods (and pods/ephemeralcontainers), Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,",
        "CronJobs and ReplicationControllers on CREATE and UPDATE; see docs/admission.md for the rules.",
        "",
        "Options:",
        describeSettings({ ...specs, config: configFileSetting }),
        "",
      ].join("\n"),
    async run(args: readonly string[], io: CliIO): Promise<number> {
      const { values, commandLine } = readCommandSettings(args, specs, io.env);
      const tlsCert = required(values.tlsCert, "tls-cert", "FILE");
      const tlsKey = required(values.tlsKey, "tls-key", "FILE");
      const policyDir = required(values.policyDir, "policy-dir", "DIR");
      const listen = values.listen ?? parseListenAddress("0.0.0.0:8443");
      const location = await metadataLocation(values, commandLine);
      const logger = createLogger({ level: values.logLevel ?? "info", write: io.stderr, fields: { component: "admission-webhook" } });

      const metadata = await openMetadataSource(location, options.openStore ?? defaultStoreOpener);
      try {
        const server = await startPolicyWebhook({
          listen,
          tlsCert,
          tlsKey,
          policyDir,
          attestorKeys: values.attestorKey ?? [],
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
      return exitCodes.ok;
    },
  };
}

export const webhookCommand = createWebhookCommand();
