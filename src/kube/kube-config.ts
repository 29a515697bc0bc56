/**
 * @module kube/kube-config
 *
 * Where the Kubernetes API is and how to authenticate to it, decided once at
 * start, in this order:
 * 1. an explicit kubeconfig file (`--kubeconfig`);
 * 2. the `KUBECONFIG` environment variable: a list of files separated by
 *    `:` (`;` on Windows), merged as kubectl merges them (the first file that
 *    names a cluster, user or context wins; missing files are skipped);
 * 3. the pod's service account (`KUBERNETES_SERVICE_HOST`/`_PORT` and the
 *    token mounted at `/var/run/secrets/kubernetes.io/serviceaccount`), as
 *    client-node's `loadFromCluster` reads it, re-reading the rotated token.
 *
 * `~/.kube/config` is deliberately not a fallback: a webhook started by
 * mistake outside its cluster must say so, not quietly watch whichever
 * cluster the developer's kubectl happens to point at. When no source is
 * available the error says what was looked for.
 */
import { existsSync, readFileSync } from "node:fs";
import { delimiter, dirname } from "node:path";
import { isIPv6 } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { failedPrecondition, invalidArgument } from "../errors.js";

export interface KubeConfigOptions {
  /** An explicit kubeconfig file; takes precedence over everything else. */
  readonly kubeconfigPath?: string | undefined;
  /** Use this context instead of the file's `current-context`. */
  readonly context?: string | undefined;
  /** The environment (`KUBECONFIG`, `KUBERNETES_SERVICE_HOST`, `KUBERNETES_SERVICE_PORT`); default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Prefix of the service account directory, for tests (default: the real root). */
  readonly serviceAccountRoot?: string;
}

export type KubeConfigSource = "kubeconfig-file" | "KUBECONFIG" | "in-cluster";

export interface LoadedKubeConfig {
  readonly kubeConfig: KubeConfig;
  readonly source: KubeConfigSource;
  /** The API server URL, for logs. */
  readonly server: string;
  /** The context in use (`inClusterContext` in a pod). */
  readonly context: string;
}

export const serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Why a kubeconfig did not load. YAML syntax errors quote the offending text,
 * which may be a token, so only their position is kept; client-node's own
 * messages (`clusters[0].cluster.server is missing`) name fields, not values.
 */
function loadFailure(error: unknown): string {
  if (error instanceof Error && error.name === "YAMLException") {
    const mark = (error as Error & { mark?: { line?: number; column?: number } }).mark;
    return mark?.line === undefined ? "invalid YAML" : `invalid YAML at line ${mark.line + 1}, column ${(mark.column ?? 0) + 1}`;
  }
  if (error instanceof Error && /^(clusters|users|contexts)\[\d+\][\w.]* is missing$/.test(error.message)) return error.message;
  if (error instanceof TypeError) return "the file is empty or not a kubeconfig object";
  return "unreadable content";
}

/** Parses one kubeconfig file without echoing its content (it may hold tokens) in errors. */
function readKubeconfigFile(path: string): KubeConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw failedPrecondition(`kubeconfig ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(text);
  } catch (error) {
    throw failedPrecondition(`kubeconfig ${path} is not a valid kubeconfig file: ${loadFailure(error)}`);
  }
  // Relative certificate and key paths are relative to the file, as for kubectl.
  kubeConfig.makePathsAbsolute(dirname(path));
  return kubeConfig;
}

/** kubectl's merge: the first definition of a name wins, and the first `current-context` set. */
function mergeKubeconfigs(configs: readonly KubeConfig[]): KubeConfig {
  const merged = new KubeConfig();
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const seen = new Map<string, T>();
    for (const item of lists.flat()) if (!seen.has(item.name)) seen.set(item.name, item);
    return [...seen.values()];
  };
  merged.loadFromOptions({
    clusters: firstByName(configs.map((c) => c.getClusters())),
    users: firstByName(configs.map((c) => c.getUsers())),
    contexts: firstByName(configs.map((c) => c.getContexts())),
    currentContext: configs.map((c) => c.getCurrentContext()).find((name) => name !== undefined && name !== ""),
  });
  return merged;
}

function inClusterConfig(env: NodeJS.ProcessEnv, root: string): KubeConfig | undefined {
  const host = env["KUBERNETES_SERVICE_HOST"];
  const port = env["KUBERNETES_SERVICE_PORT"];
  if (!host || !port || !existsSync(`${root}${serviceAccountDirectory}/token`)) return undefined;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromCluster(root);
  // loadFromCluster reads the address from process.env; use the environment given, as for KUBECONFIG.
  const scheme = port === "80" || port === "8080" || port === "8001" ? "http" : "https";
  const server = `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
  kubeConfig.clusters = kubeConfig.clusters.map((cluster) => ({ ...cluster, server }));
  return kubeConfig;
}

/** Checks the chosen context and returns what it points at. */
function finish(kubeConfig: KubeConfig, source: KubeConfigSource, where: string, context: string | undefined): LoadedKubeConfig {
  if (context !== undefined) {
    if (kubeConfig.getContextObject(context) === null) throw invalidArgument(`context ${JSON.stringify(context)} is not defined in ${where}`);
    kubeConfig.setCurrentContext(context);
  }
  const current = kubeConfig.getCurrentContext();
  if (!current) throw failedPrecondition(`${where} sets no current-context; choose one with --context`);
  if (kubeConfig.getContextObject(current) === null) throw failedPrecondition(`${where}: context ${JSON.stringify(current)} is not defined`);
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null || !cluster.server) {
    throw failedPrecondition(`${where}: context ${JSON.stringify(current)} names no cluster with a server address`);
  }
  return { kubeConfig, source, server: cluster.server, context: current };
}

/**
 * Builds the client configuration from the first available source (see the
 * module header). Throws FAILED_PRECONDITION when there is none, or when the
 * chosen one is unreadable or incomplete; INVALID_ARGUMENT for an unknown
 * `context`.
 */
export function loadKubeConfig(options: KubeConfigOptions = {}): LoadedKubeConfig {
  const env = options.env ?? process.env;
  if (options.kubeconfigPath !== undefined && options.kubeconfigPath !== "") {
    const path = options.kubeconfigPath;
    return finish(readKubeconfigFile(path), "kubeconfig-file", `kubeconfig ${path}`, options.context);
  }
  const list = env["KUBECONFIG"];
  if (list !== undefined && list !== "") {
    const paths = list.split(delimiter).filter((p) => p !== "");
    const present = paths.filter((p) => existsSync(p));
    if (present.length === 0) {
      throw failedPrecondition(`KUBECONFIG names ${paths.length === 1 ? "a file that does not" : "files that do not"} exist: ${paths.join(", ")}`);
    }
    const kubeConfig = present.length === 1 ? readKubeconfigFile(present[0] ?? "") : mergeKubeconfigs(present.map(readKubeconfigFile));
    return finish(kubeConfig, "KUBECONFIG", `KUBECONFIG (${present.join(", ")})`, options.context);
  }
  const root = options.serviceAccountRoot ?? "";
  const inCluster = inClusterConfig(env, root);
  if (inCluster !== undefined) {
    if (options.context !== undefined) throw invalidArgument("--context applies to kubeconfig files; inside a pod there is only the service account");
    return finish(inCluster, "in-cluster", "the pod's service account", undefined);
  }
  throw failedPrecondition(
    "no Kubernetes API configuration: pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account " +
      `(KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT set, token at ${root}${serviceAccountDirectory}/token)`,
  );
}
