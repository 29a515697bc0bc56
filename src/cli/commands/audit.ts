/**
 * @module cli/commands/audit
 *
 * `scriba audit`: the re-check of running pods (admission/recheck) as a
 * command: `--once` runs one pass and prints a summary (for an operator, or
 * a Kubernetes CronJob), without it passes repeat every `--recheck-interval`
 * until SIGINT/SIGTERM. Each pass lists every pod, judges each against the
 * policies of its own namespace with current metadata, sets and clears
 * Kritis' labels and annotations, writes audit records and closes the
 * DEPLOYMENT occurrences of pods that are gone. It never deletes a pod.
 *
 * Exit status: 0 when the pass completed, whatever it found (noncompliant
 * pods are reported and marked, not errors); 1 when it could not complete
 * (the pods could not be listed, the policies could not be read); 2 for a
 * usage error.
 */
import { createAdmissionMetrics } from "../../admission/admission-metrics.js";
import type { StoreOpener } from "../../admission/embedded-metadata.js";
import { defaultStoreOpener, openMetadataSource } from "../../admission/embedded-metadata.js";
import { instrumentMetadata } from "../../admission/instrumented-metadata.js";
import type { RecheckSummary } from "../../admission/recheck/recheck-pods.js";
import { createRecheck, startRecheckLoop } from "../../admission/recheck/recheck-runner.js";
import { createDecisionRecorder } from "../../admission/records/decision-recorder.js";
import { RecordQueue } from "../../admission/records/record-queue.js";
import { ScribaError } from "../../errors.js";
import { loadKubernetesClients } from "../../kube/load-kubernetes-clients.js";
import type { LogLevel } from "../../logging/logger.js";
import { createLogger } from "../../logging/logger.js";
import type { CliIO, Command } from "../command.js";
import { exitCodes } from "../command.js";
import { configFileSetting, describeSettings, duration, oneOf, readCommandSettings, setting } from "../settings.js";
import { metadataLocation, metadataSettings } from "./admission-settings.js";
import { openPolicySource, policySourceSettings, recordSettings, recordSettingsOf } from "./admission-runtime-settings.js";

const specs = {
  once: setting({
    flag: "once",
    key: "audit.once",
    env: "SCRIBA_AUDIT_ONCE",
    valueName: "",
    description: "Run one pass, print its summary and exit.",
    boolean: true,
    parse: (value) => value === "true",
  }),
  ...policySourceSettings,
  ...metadataSettings,
  ...recordSettings,
  recheckInterval: setting({
    flag: "recheck-interval",
    key: "recheck.interval",
    env: "SCRIBA_RECHECK_INTERVAL",
    valueName: "DURATION",
    description: "Without --once: the time between passes.",
    default: "1h",
    parse: duration("--recheck-interval"),
  }),
  policyWait: setting({
    flag: "policy-wait",
    key: "audit.policyWait",
    env: "SCRIBA_AUDIT_POLICY_WAIT",
    valueName: "DURATION",
    description: "With --policy-source kubernetes: how long to wait for the first list of policies.",
    default: "30s",
    parse: duration("--policy-wait"),
  }),
  output: setting({
    flag: "output",
    short: "o",
    key: "audit.output",
    env: "SCRIBA_AUDIT_OUTPUT",
    valueName: "text|json",
    description: "The summary's format.",
    default: "text",
    parse: oneOf("--output", ["text", "json"] as const),
  }),
  logLevel: setting({
    flag: "log-level",
    key: "logLevel",
    env: "SCRIBA_LOG_LEVEL",
    valueName: "LEVEL",
    description: "debug, info, warn or error.",
    default: "warn",
    parse: oneOf<LogLevel>("--log-level", ["debug", "info", "warn", "error"]),
  }),
};

function textSummary(summary: RecheckSummary, records: { written: number; dropped: number } | undefined): string {
  const lines = [
    `re-checked ${summary.pods} running pods (${summary.skippedFinished} finished pods skipped): ${summary.compliant} compliant, ${summary.noncompliant} noncompliant, ${summary.unjudged} not judged`,
    `marks: ${summary.patched} pods patched, ${summary.unchanged} unchanged, ${summary.gone} gone meanwhile; ${summary.failed} failed`,
  ];
  const undeploy = summary.undeploy;
  if (undeploy !== undefined) {
    lines.push(
      "error" in undeploy
        ? `deployment records: not closed (${undeploy.error})`
        : `deployment records: ${undeploy.open} open, ${undeploy.undeployed} given an undeployTime, ${undeploy.failed} failed`,
    );
  }
  if (records !== undefined) lines.push(`audit records: ${records.written} written, ${records.dropped} dropped`);
  return `${lines.join("\n")}\n`;
}

function aborted(signal: AbortSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

export interface AuditCommandOptions {
  readonly openStore?: StoreOpener;
}

export function createAuditCommand(options: AuditCommandOptions = {}): Command {
  return {
    name: "audit",
    summary: "Re-check running pods against their namespace's policies, and mark them (never deletes)",
    help: () =>
      [
        "Usage: scriba audit --once (--policy-source kubernetes | --policy-dir DIR) (--server URL | --storage SPEC)",
        "                    [--kubeconfig FILE] [options]",
        "",
        "Lists every pod, judges each running one as admission would judge its creation, against the",
        "policies of its own namespace and current metadata (vulnerabilities are judged even for attested",
        "images), sets and clears the kritis.grafeas.io/attestation and kritis.grafeas.io/invalidImageSecPolicy",
        "labels and annotations, writes audit records and closes the DEPLOYMENT occurrences of pods that are",
        "gone. Pods are never deleted or evicted. Without --once, passes repeat every --recheck-interval.",
        "",
        "Exit status: 0 the pass completed (whatever it found); 1 it could not complete; 2 usage error.",
        "",
        "Options:",
        describeSettings({ ...specs, config: configFileSetting }),
        "",
      ].join("\n"),
    async run(args: readonly string[], io: CliIO): Promise<number> {
      const { values, commandLine } = readCommandSettings(args, specs, io.env);
      const location = metadataLocation(values, commandLine);
      const logger = createLogger({ level: values.logLevel ?? "warn", write: io.stderr, fields: { component: "scriba-audit" } });
      const { provider, kubeConfig: explicit } = await openPolicySource(values, logger);
      const metadataSource = await openMetadataSource(location, options.openStore ?? defaultStoreOpener);
      const metrics = createAdmissionMetrics();
      const metadata = instrumentMetadata(metadataSource, metrics);
      const records = recordSettingsOf(values);
      const queue = records === undefined ? undefined : new RecordQueue({ logger, metrics });
      try {
        // The pods are always read through the Kubernetes API, whatever the policy source.
        const { loadKubeConfig, PodClient } = await loadKubernetesClients();
        const kubeConfig = explicit ?? loadKubeConfig({ kubeconfigPath: values.kubeconfig, context: values.kubeContext }).kubeConfig;
        if (values.policySource === "kubernetes") await waitForPolicies(() => provider.status(), values.policyWait ?? 30_000, io.signal);
        const run = createRecheck({
          policies: () => provider.current(),
          metadata,
          pods: new PodClient(kubeConfig, { logger }),
          recorder:
            records === undefined || queue === undefined
              ? undefined
              : createDecisionRecorder({ metadata, queue, cluster: records.cluster, audit: records.audit, policyVersion: () => provider.version() }),
          deployments: records?.deployments === undefined ? undefined : { project: records.deployments.project, cluster: records.cluster },
          logger,
          metrics,
          reviewTimeoutMs: values.metadataTimeout,
        });
        if (values.once !== true) {
          const loop = startRecheckLoop({ intervalMs: values.recheckInterval ?? 3_600_000, initialDelayMs: 0, run, logger, metrics });
          await aborted(io.signal);
          await loop.stop();
          return exitCodes.ok;
        }
        let summary: RecheckSummary;
        try {
          summary = await run();
        } catch (error) {
          io.stderr(`scriba audit: the pass could not complete: ${error instanceof ScribaError ? error.message : "internal error"}\n`);
          return exitCodes.failed;
        }
        await queue?.close(30_000);
        const stats = queue?.stats();
        const written = stats === undefined ? undefined : { written: stats.written, dropped: stats.droppedQueueFull + stats.droppedWriteFailed };
        io.stdout(values.output === "json" ? `${JSON.stringify({ ...summary, records: written }, null, 2)}\n` : textSummary(summary, written));
        return exitCodes.ok;
      } finally {
        await queue?.close(5000);
        await provider.stop();
        await metadataSource.close();
      }
    },
  };
}

/** Waits for the first list of policies; a usage-independent failure (exit 1) when it does not come. */
async function waitForPolicies(status: () => { ready: boolean; detail: string }, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!status().ready) {
    if (signal.aborted) throw new ScribaError("CANCELLED", "cancelled");
    if (Date.now() > deadline) {
      throw new ScribaError("UNAVAILABLE", `the policies were not listed within ${timeoutMs} ms: ${status().detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const auditCommand = createAuditCommand();
