/**
 * @module cli/commands/admission-runtime-settings
 *
 * The settings of the webhook as it runs in a cluster, shared by `scriba
 * webhook`, `scriba serve` (in-process webhook) and, for the policy source
 * and records, `scriba audit`:
 *
 * - where policies come from: `--policy-source directory` (with
 *   `--policy-dir`, read once) or `kubernetes` (watched live through the API:
 *   `--kubeconfig`, else `KUBECONFIG`, else the pod's service account);
 * - the caches' TTLs and size;
 * - audit and deployment records: the cluster's name and the Grafeas
 *   projects they go to;
 * - the background re-check's interval.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { PolicyProvider } from "../../admission/policy-provider.js";
import { fixedPolicies, watchedPolicies } from "../../admission/policy-provider.js";
import { deploymentPlatforms } from "../../admission/records/deployment-record.js";
import type { CacheSettings, RecordSettings } from "../../admission/webhook-runtime.js";
import { invalidArgument } from "../../errors.js";
import { isValidId } from "../../grafeas/resource-names.js";
import { loadKubernetesClients } from "../../kube/load-kubernetes-clients.js";
import type { Logger } from "../../logging/logger.js";
import { loadPolicyDirectory } from "../../policy/policy-documents.js";
import type { SettingValues } from "../settings.js";
import { duration, oneOf, positiveInteger, setting, text } from "../settings.js";
import { policyDirSetting } from "./admission-settings.js";

function grafeasId(what: string) {
  return (value: string): string => {
    if (!isValidId(value)) throw invalidArgument(`${what} must be a Grafeas ID (letters, digits and _.~:@+-), got ${JSON.stringify(value)}`);
    return value;
  };
}

const onOff = (what: string) => oneOf(what, ["on", "off"] as const);

export const policySourceSettings = {
  policySource: setting({
    flag: "policy-source",
    key: "policySource",
    env: "SCRIBA_POLICY_SOURCE",
    valueName: "directory|kubernetes",
    description: "directory: read --policy-dir once; kubernetes: watch the kritis.grafeas.io objects through the Kubernetes API (changes apply without a restart).",
    default: "directory",
    parse: oneOf("--policy-source", ["directory", "kubernetes"] as const),
  }),
  policyDir: policyDirSetting,
  kubeconfig: setting({
    flag: "kubeconfig",
    key: "kubernetes.kubeconfig",
    env: "SCRIBA_KUBECONFIG",
    valueName: "FILE",
    description: "Kubernetes API credentials; without it KUBECONFIG, then the pod's service account.",
    parse: text,
  }),
  kubeContext: setting({
    flag: "kube-context",
    key: "kubernetes.context",
    env: "SCRIBA_KUBE_CONTEXT",
    valueName: "NAME",
    description: "The kubeconfig context to use instead of its current-context.",
    parse: text,
  }),
};

export const recordSettings = {
  clusterName: setting({
    flag: "cluster-name",
    key: "records.cluster",
    env: "SCRIBA_CLUSTER_NAME",
    valueName: "NAME",
    description: "Names this cluster in audit and deployment records (kubernetes://NAME/…, the DEPLOYMENT note projects/P/notes/NAME).",
    default: "kubernetes",
    parse: grafeasId("--cluster-name"),
  }),
  auditRecords: setting({
    flag: "audit-records",
    key: "records.audit",
    env: "SCRIBA_AUDIT_RECORDS",
    valueName: "on|off",
    description: "Record every decision as a COMPLIANCE occurrence in --audit-project.",
    default: "on",
    parse: onOff("--audit-records"),
  }),
  auditProject: setting({
    flag: "audit-project",
    key: "records.auditProject",
    env: "SCRIBA_AUDIT_PROJECT",
    valueName: "PROJECT",
    description: "Grafeas project of the audit records (notes NAMESPACE.DECISION).",
    default: "scriba-audit",
    parse: grafeasId("--audit-project"),
  }),
  deploymentRecords: setting({
    flag: "deployment-records",
    key: "records.deployments",
    env: "SCRIBA_DEPLOYMENT_RECORDS",
    valueName: "on|off",
    description: "Record every admitted Pod image as a DEPLOYMENT occurrence in --deployment-project.",
    default: "on",
    parse: onOff("--deployment-records"),
  }),
  deploymentProject: setting({
    flag: "deployment-project",
    key: "records.deploymentProject",
    env: "SCRIBA_DEPLOYMENT_PROJECT",
    valueName: "PROJECT",
    description: "Grafeas project of the DEPLOYMENT note and occurrences.",
    default: "scriba-deployments",
    parse: grafeasId("--deployment-project"),
  }),
  deploymentPlatform: setting({
    flag: "deployment-platform",
    key: "records.deploymentPlatform",
    env: "SCRIBA_DEPLOYMENT_PLATFORM",
    valueName: "PLATFORM",
    description: `DeploymentOccurrence.platform: ${deploymentPlatforms.join(", ")}.`,
    default: "CUSTOM",
    parse: oneOf("--deployment-platform", deploymentPlatforms),
  }),
};

export const runtimeSettings = {
  ...recordSettings,
  recordQueueSize: setting({
    flag: "record-queue-size",
    key: "records.queueSize",
    env: "SCRIBA_RECORD_QUEUE_SIZE",
    valueName: "N",
    description: "Records waiting to be written before new ones are dropped (counted in /metrics).",
    default: "10000",
    parse: positiveInteger("--record-queue-size"),
  }),
  cacheTtl: setting({
    flag: "cache-ttl",
    key: "cache.ttl",
    env: "SCRIBA_CACHE_TTL",
    valueName: "DURATION",
    description: "How long an answer of the metadata server is reused (0: never).",
    default: "30s",
    parse: duration("--cache-ttl"),
  }),
  cacheNegativeTtl: setting({
    flag: "cache-negative-ttl",
    key: "cache.negativeTtl",
    env: "SCRIBA_CACHE_NEGATIVE_TTL",
    valueName: "DURATION",
    description: "How long an attestation answer that verified nothing is reused.",
    default: "2s",
    parse: duration("--cache-negative-ttl"),
  }),
  verificationCacheTtl: setting({
    flag: "verification-cache-ttl",
    key: "cache.verificationTtl",
    env: "SCRIBA_VERIFICATION_CACHE_TTL",
    valueName: "DURATION",
    description: "How long a verdict of verification (same authority, keys, image and occurrences) is reused (0: never).",
    default: "5m",
    parse: duration("--verification-cache-ttl"),
  }),
  cacheSize: setting({
    flag: "cache-size",
    key: "cache.size",
    env: "SCRIBA_CACHE_SIZE",
    valueName: "N",
    description: "Entries per cache (least recently used out first).",
    default: "10000",
    parse: positiveInteger("--cache-size"),
  }),
  recheckInterval: setting({
    flag: "recheck-interval",
    key: "recheck.interval",
    env: "SCRIBA_RECHECK_INTERVAL",
    valueName: "DURATION",
    description: "How often running pods are re-checked and marked (0: never). Needs the Kubernetes API (--policy-source kubernetes or --kubeconfig).",
    default: "1h",
    parse: duration("--recheck-interval"),
  }),
};

type PolicySourceValues = SettingValues<typeof policySourceSettings>;

export interface OpenedPolicies {
  readonly provider: PolicyProvider;
  /** The Kubernetes API, when one is configured (the watch, or an explicit --kubeconfig). */
  readonly kubeConfig: KubeConfig | undefined;
}

/** Opens the policy source the settings name (see the module comment). */
export async function openPolicySource(values: PolicySourceValues, logger: Logger): Promise<OpenedPolicies> {
  const source = values.policySource ?? "directory";
  const kubeOptions = { kubeconfigPath: values.kubeconfig, context: values.kubeContext };
  if (source === "kubernetes") {
    if (values.policyDir !== undefined) {
      throw invalidArgument("--policy-dir is read with --policy-source directory only; with --policy-source kubernetes the policies come from the cluster");
    }
    const { loadKubeConfig, PolicyWatcher } = await loadKubernetesClients();
    const loaded = loadKubeConfig(kubeOptions);
    const watcher = PolicyWatcher.start({ kubeConfig: loaded.kubeConfig, logger });
    const provider = watchedPolicies(watcher, `the Kubernetes API at ${loaded.server} (${loaded.source})`, logger);
    return { provider, kubeConfig: loaded.kubeConfig };
  }
  if (values.policyDir === undefined) {
    throw invalidArgument("--policy-dir DIR is required with --policy-source directory (or give --policy-source kubernetes)");
  }
  const policies = await loadPolicyDirectory(values.policyDir);
  const provider = fixedPolicies(policies, `directory ${values.policyDir}`, logger);
  if (values.kubeconfig === undefined) return { provider, kubeConfig: undefined };
  return { provider, kubeConfig: (await loadKubernetesClients()).loadKubeConfig(kubeOptions).kubeConfig };
}

type RuntimeValues = SettingValues<typeof runtimeSettings>;

export function cacheSettingsOf(values: RuntimeValues): CacheSettings {
  return {
    answerTtlMs: values.cacheTtl,
    negativeAnswerTtlMs: values.cacheNegativeTtl,
    verificationTtlMs: values.verificationCacheTtl,
    maxEntries: values.cacheSize,
  };
}

/** Where records go, or undefined when both kinds are off. */
export function recordSettingsOf(values: SettingValues<typeof recordSettings> & { readonly recordQueueSize?: number | undefined }): RecordSettings | undefined {
  const audit = values.auditRecords === "off" ? undefined : { project: values.auditProject ?? "scriba-audit" };
  const deployments =
    values.deploymentRecords === "off"
      ? undefined
      : { project: values.deploymentProject ?? "scriba-deployments", platform: values.deploymentPlatform ?? "CUSTOM" };
  if (audit === undefined && deployments === undefined) return undefined;
  return { cluster: values.clusterName ?? "kubernetes", audit, deployments, queueCapacity: values.recordQueueSize };
}
