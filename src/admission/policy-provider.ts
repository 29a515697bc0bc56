/**
 * @module admission/policy-provider
 *
 * Where the webhook's policies come from, behind one small interface:
 *
 * - {@link fixedPolicies}: a set read once (a policy directory, for
 *   `--policy-source directory`); always ready, version 1.
 * - {@link watchedPolicies}: the live set of a cluster (kube/policy-watcher,
 *   for `--policy-source kubernetes`): ready once the first list of every
 *   Kritis kind has arrived, versioned, and every change is logged with the
 *   problems it brings, then used by the very next review (no restart).
 *
 * Problems in a set (an invalid policy) are logged when the set is first
 * read and whenever it changes; each also denies in its namespace (fail
 * closed, see policy/policy-set).
 */
import type { PolicyWatcher } from "../kube/policy-watcher.js";
import type { Logger } from "../logging/logger.js";
import type { PolicySet } from "../policy/policy-set.js";

export interface PolicyProvider {
  /** `directory /etc/scriba/policies`, `kubernetes API https://10.0.0.1:443`. */
  readonly description: string;
  /** The set in force; throws UNAVAILABLE before the first complete read. */
  current(): PolicySet;
  status(): { readonly ready: boolean; readonly detail: string };
  /** Goes up with every change; undefined before the first complete read. */
  version(): number | undefined;
  /** Calls `listener` with the new version after every change; returns the unsubscribe function. */
  onChange(listener: (version: number) => void): () => void;
  /** Stops watching (a no-op for a fixed set). */
  stop(): Promise<void>;
}

/** Logs what a policy set holds, and every problem in it. */
export function reportPolicies(policies: PolicySet, logger: Logger, message = "policies loaded", version?: number): void {
  const namespaces = [...policies.namespaces.values()];
  logger.info(message, {
    version,
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

export function fixedPolicies(policies: PolicySet, description: string, logger: Logger): PolicyProvider {
  reportPolicies(policies, logger);
  return {
    description,
    current: () => policies,
    status: () => ({ ready: true, detail: `read from ${description}` }),
    version: () => 1,
    onChange: () => () => undefined,
    stop: () => Promise.resolve(),
  };
}

export function watchedPolicies(watcher: PolicyWatcher, description: string, logger: Logger): PolicyProvider {
  const unsubscribe = watcher.onChange((policies, version) => {
    reportPolicies(policies, logger, version === 1 ? "policies listed" : "policies changed; the next review uses them", version);
  });
  return {
    description,
    current: () => watcher.current(),
    status: () =>
      watcher.isReady()
        ? { ready: true, detail: `listed from ${description} (version ${watcher.version})` }
        : { ready: false, detail: `waiting for the first list from ${description}` },
    version: () => (watcher.isReady() ? watcher.version : undefined),
    onChange: (listener) => watcher.onChange((_, version) => listener(version)),
    async stop() {
      unsubscribe();
      await watcher.stop();
    },
  };
}
