/**
 * @module admission/recheck/undeploy
 *
 * Closes the DEPLOYMENT occurrences (admission/records/deployment-record) of
 * containers that no longer run: the re-check lists the cluster's open
 * occurrences (`noteName` is the cluster's note and there is no
 * `undeployTime` yet), and each whose Pod is not among the running Pods —
 * deleted, finished, re-created under the same name with another uid, or no
 * longer running that image in that container — gets its `undeployTime`,
 * with an UpdateOccurrence whose update mask names that field only.
 *
 * An occurrence recorded after the Pods were listed must not be closed for
 * not being in the list: only occurrences deployed at least `graceMs`
 * (default 2 minutes: admission, scheduling and clock skew) before the
 * listing are considered. Occurrences this module cannot read (written by
 * another tool under the same note) are left alone.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { ScribaError } from "../../errors.js";
import type { MetadataSource } from "../metadata-source.js";
import { deployedContainerOf } from "../records/deployment-record.js";

export interface UndeployOptions {
  readonly metadata: MetadataSource;
  /** The project and note of the cluster's DEPLOYMENT occurrences. */
  readonly project: string;
  readonly cluster: string;
  /** The running Pods, as listed at `listedAt`. */
  readonly pods: readonly V1Pod[];
  readonly listedAt: Date;
  readonly graceMs?: number;
  /** How many pages of open occurrences to read at most (default 100). */
  readonly maxPages?: number;
  /** How many updates run at once (default 8). */
  readonly concurrency?: number;
}

export interface UndeployResult {
  readonly open: number;
  readonly undeployed: number;
  readonly failed: number;
}

/** The filter for the cluster's open DEPLOYMENT occurrences. */
export function openDeploymentsFilter(project: string, cluster: string): string {
  return `noteName="projects/${project}/notes/${cluster}" AND kind="DEPLOYMENT" AND NOT deployment.undeployTime:*`;
}

function containerAt(pod: V1Pod, containerPath: string): string | undefined {
  const match = /^spec\.(containers|initContainers|ephemeralContainers)\[(\d+)\]$/.exec(containerPath);
  if (match === null) return undefined;
  const list = pod.spec?.[match[1] as "containers" | "initContainers" | "ephemeralContainers"] as { image?: string }[] | undefined;
  return list?.[Number(match[2])]?.image;
}

/** Whether the container an occurrence describes still runs in one of `pods`. */
function stillRuns(byName: ReadonlyMap<string, V1Pod>, occurrence: unknown): boolean | undefined {
  const deployed = deployedContainerOf(occurrence);
  if (deployed === undefined) return undefined;
  const pod = byName.get(`${deployed.namespace}/${deployed.pod}`);
  if (pod === undefined) return false;
  if (deployed.uid !== undefined && pod.metadata?.uid !== undefined && pod.metadata.uid !== deployed.uid) return false;
  return containerAt(pod, deployed.container) === deployed.image;
}

export async function markUndeployed(options: UndeployOptions): Promise<UndeployResult> {
  const grace = options.graceMs ?? 120_000;
  const cutoff = options.listedAt.getTime() - grace;
  const byName = new Map(options.pods.map((pod) => [`${pod.metadata?.namespace ?? ""}/${pod.metadata?.name ?? ""}`, pod]));
  const open = await options.metadata.listOccurrences(options.project, openDeploymentsFilter(options.project, options.cluster), {
    maxPages: options.maxPages ?? 100,
  });
  const gone = open.filter((occurrence) => {
    const record = occurrence as { name?: unknown; deployment?: { deployTime?: unknown } };
    const deployTime = Date.parse(typeof record.deployment?.deployTime === "string" ? record.deployment.deployTime : "");
    if (!Number.isFinite(deployTime) || deployTime > cutoff || typeof record.name !== "string") return false;
    return stillRuns(byName, occurrence) === false;
  }) as { name: string }[];

  const undeployTime = new Date().toISOString();
  let undeployed = 0;
  let failed = 0;
  const queue = [...gone];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      try {
        await options.metadata.updateOccurrence(next.name, { deployment: { undeployTime } }, ["deployment.undeployTime"], {
          signal: AbortSignal.timeout(10_000),
        });
        undeployed += 1;
      } catch (error) {
        // Deleted meanwhile: nothing left to close.
        if (!(error instanceof ScribaError && error.code === "NOT_FOUND")) failed += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 8, Math.max(1, queue.length)) }, worker));
  return { open: open.length, undeployed, failed };
}
