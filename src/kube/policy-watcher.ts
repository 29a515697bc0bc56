/**
 * @module kube/policy-watcher
 *
 * The live policy set of a cluster: the four Kritis kinds
 * (AttestationAuthority, GenericAttestationPolicy and ImageSecurityPolicy in
 * every namespace, and the cluster-scoped KritisConfig) mirrored from the API
 * server by one list+watch loop each (kube/resource-watch), and assembled into
 * a {@link PolicySet} with the same parsers and cross-checks as policy files.
 * A policy created, changed or deleted in the cluster is in {@link
 * PolicyWatcher.current} moments later, without a restart (Kritis read its
 * configuration once, at start).
 *
 * **Fails closed.**
 * - Until the first list of every kind has arrived, there is no policy set:
 *   {@link PolicyWatcher.current} throws UNAVAILABLE instead of answering with
 *   a partial one (a missing ImageSecurityPolicy would read as "no policy").
 * - An object that does not parse becomes a problem of its namespace (or of
 *   every namespace, if it cannot be attributed), which denies there until the
 *   object is fixed; it never stops the watcher.
 * - While the API server cannot be reached, the last known set stays in force.
 *
 * **Versions.** {@link PolicyWatcher.version} starts at 1 with the first
 * complete set and goes up by one whenever the set changes, so caches of
 * decisions can be keyed on it. Changes that cannot change any decision
 * (only `metadata.resourceVersion` or `managedFields` moved, a re-list that
 * found everything as it was) do not bump it. Bursts of events (a re-list of
 * hundreds of objects) are folded into one rebuild, done when the set is next
 * read or at the end of the burst; only objects that changed are parsed again.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { ScribaError } from "../errors.js";
import type { Logger } from "../logging/logger.js";
import { silentLogger } from "../logging/logger.js";
import { collectPolicyObjects } from "../policy/policy-documents.js";
import type { CollectedPolicies, PolicyOrigin, PolicySet } from "../policy/policy-set.js";
import { assemblePolicySet, describeOrigin, policyProblem } from "../policy/policy-set.js";
import type { PolicyResource } from "./kritis-resources.js";
import { collectionPath, policyResources } from "./kritis-resources.js";
import type { BackoffOptions } from "./resource-watch.js";
import { ResourceWatch } from "./resource-watch.js";

export interface PolicyWatcherOptions {
  readonly kubeConfig: KubeConfig;
  readonly logger?: Logger;
  /** Delays between retries after failures (default 500 ms doubling to 30 s). */
  readonly backoff?: BackoffOptions;
  /** Objects per LIST page (default 500). */
  readonly pageSize?: number;
  /** How long the server keeps each watch open before the watcher resumes it (default 300 s). */
  readonly watchTimeoutSeconds?: number;
}

/** Called after the policy set changed, with the new set and its version. */
export type PolicyChangeListener = (policies: PolicySet, version: number) => void;

interface MirroredObject {
  /** What the policy parsers read: the object without bookkeeping that cannot change a decision. */
  readonly fingerprint: string;
  readonly collected: CollectedPolicies;
}

interface KindMirror {
  readonly resource: PolicyResource;
  readonly watch: ResourceWatch;
  /** `namespace/name` → the parsed object. */
  objects: Map<string, MirroredObject>;
  listed: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function identityOf(object: unknown): { namespace: string | undefined; name: string } | undefined {
  const metadata = isObject(object) ? object["metadata"] : undefined;
  if (!isObject(metadata) || typeof metadata["name"] !== "string" || metadata["name"] === "") return undefined;
  const namespace = typeof metadata["namespace"] === "string" && metadata["namespace"] !== "" ? metadata["namespace"] : undefined;
  return { namespace, name: metadata["name"] };
}

function fingerprintOf(object: unknown): string {
  if (!isObject(object) || !isObject(object["metadata"])) return JSON.stringify(object);
  const metadata = { ...object["metadata"] };
  delete metadata["resourceVersion"];
  delete metadata["managedFields"];
  return JSON.stringify({ ...object, metadata });
}

/**
 * Parses one object read from the API. Its origin is its API path, so that
 * messages (and the "more than one KritisConfig" problem) name the objects a
 * user can `kubectl get`.
 */
function collectApiObject(object: unknown, source: string): CollectedPolicies {
  const collected = collectPolicyObjects([object], source);
  const origin: PolicyOrigin = { source };
  const itemPrefix = `${describeOrigin({ source, itemPath: "items[0]" })}: `;
  return {
    objects: collected.objects.map((entry) => ({ origin, value: entry.value })),
    problems: collected.problems.map((p) => policyProblem(origin, p.object, p.namespace, p.field, p.description)),
    notes: collected.notes.map((note) => ({
      origin,
      message: `${source}: ${note.message.startsWith(itemPrefix) ? note.message.slice(itemPrefix.length) : note.message}`,
    })),
  };
}

export class PolicyWatcher {
  /** Resolves once the first list of every kind has arrived; rejects if stopped before that. */
  readonly ready: Promise<void>;

  private readonly kinds: KindMirror[];
  private readonly listeners = new Set<PolicyChangeListener>();
  private readonly log: Logger;
  private resolveReady!: () => void;
  private rejectReady!: (error: Error) => void;
  private policies: PolicySet | undefined;
  private currentVersion = 0;
  private notifiedVersion = 0;
  private dirty = false;
  private flushScheduled = false;
  private stopped = false;

  private constructor(options: PolicyWatcherOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: "policy-watcher" });
    this.ready = new Promise<void>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // A caller that never awaits `ready` must not see an unhandled rejection on stop().
    this.ready.catch(() => {});
    this.kinds = policyResources.map((resource) => {
      const mirror: KindMirror = {
        resource,
        objects: new Map(),
        listed: false,
        watch: new ResourceWatch({
          kubeConfig: options.kubeConfig,
          resource,
          logger: this.log,
          handlers: {
            replaceAll: (objects) => this.replaceAll(mirror, objects),
            upsert: (object) => this.upsert(mirror, object),
            remove: (object) => this.remove(mirror, object),
          },
          ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
          ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
          ...(options.watchTimeoutSeconds === undefined ? {} : { watchTimeoutSeconds: options.watchTimeoutSeconds }),
        }),
      };
      return mirror;
    });
  }

  /** Starts listing and watching the policy kinds. Await {@link ready} before serving decisions. */
  static start(options: PolicyWatcherOptions): PolicyWatcher {
    const watcher = new PolicyWatcher(options);
    for (const kind of watcher.kinds) kind.watch.start();
    return watcher;
  }

  /** True once the first list of every kind has arrived. */
  isReady(): boolean {
    return this.kinds.every((k) => k.listed);
  }

  /**
   * The policy set as of the latest events. Throws UNAVAILABLE before {@link
   * ready}: deciding on a partial set could admit what a policy not yet
   * listed would deny.
   */
  current(): PolicySet {
    this.flush();
    if (this.policies === undefined) {
      throw new ScribaError("UNAVAILABLE", "the policies have not been read from the Kubernetes API yet");
    }
    return this.policies;
  }

  /** 0 before {@link ready}; then 1, going up by one with every change of the policy set. */
  get version(): number {
    this.flush();
    return this.currentVersion;
  }

  /** Calls `listener` after every change of the policy set (the first complete set included); returns the unsubscribe function. */
  onChange(listener: PolicyChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops every watch; the last set stays readable. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.rejectReady(new ScribaError("CANCELLED", "the policy watcher was stopped before the policies were read"));
    await Promise.all(this.kinds.map((k) => k.watch.stop()));
    this.listeners.clear();
  }

  // ---- mirror -------------------------------------------------------------------------------

  private keyOf(mirror: KindMirror, object: unknown): string | undefined {
    const identity = identityOf(object);
    if (identity === undefined) {
      // Cannot happen with a real API server; without a name the object cannot be followed.
      this.log.warn("ignored an object without metadata.name", { kind: mirror.resource.kind });
      return undefined;
    }
    return `${identity.namespace ?? ""}/${identity.name}`;
  }

  private parse(mirror: KindMirror, object: unknown, fingerprint: string): MirroredObject {
    const identity = identityOf(object);
    const source = `${collectionPath(mirror.resource, mirror.resource.namespaced ? identity?.namespace : undefined)}/${identity?.name ?? "(unnamed)"}`;
    return { fingerprint, collected: collectApiObject(object, source) };
  }

  private replaceAll(mirror: KindMirror, objects: readonly unknown[]): void {
    const next = new Map<string, MirroredObject>();
    for (const object of objects) {
      const key = this.keyOf(mirror, object);
      if (key === undefined) continue;
      const fingerprint = fingerprintOf(object);
      const known = mirror.objects.get(key);
      next.set(key, known?.fingerprint === fingerprint ? known : this.parse(mirror, object, fingerprint));
    }
    const changed =
      next.size !== mirror.objects.size || [...next].some(([key, entry]) => mirror.objects.get(key) !== entry);
    mirror.objects = next;
    const firstList = !mirror.listed;
    mirror.listed = true;
    if (changed || firstList) this.changed();
    if (firstList && this.isReady()) {
      this.log.info("policies listed", { objects: this.kinds.reduce((n, k) => n + k.objects.size, 0) });
      this.flush();
      this.resolveReady();
    }
  }

  private upsert(mirror: KindMirror, object: unknown): void {
    const key = this.keyOf(mirror, object);
    if (key === undefined) return;
    const fingerprint = fingerprintOf(object);
    if (mirror.objects.get(key)?.fingerprint === fingerprint) return;
    mirror.objects.set(key, this.parse(mirror, object, fingerprint));
    this.changed();
  }

  private remove(mirror: KindMirror, object: unknown): void {
    const key = this.keyOf(mirror, object);
    if (key === undefined || !mirror.objects.delete(key)) return;
    this.changed();
  }

  // ---- rebuild and notify -------------------------------------------------------------------

  private changed(): void {
    this.dirty = true;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // After the current burst of events (a list, a chunk of the watch stream) is applied.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
      this.notify();
    });
  }

  /** Rebuilds the set if anything changed since the last build (and every kind has been listed). */
  private flush(): void {
    if (!this.dirty || !this.isReady()) return;
    this.dirty = false;
    const sources = this.kinds.flatMap((kind) =>
      [...kind.objects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry.collected),
    );
    try {
      this.policies = assemblePolicySet(sources);
    } catch (error) {
      // Should not happen; if it does, deny everywhere rather than keep a set that no longer matches the cluster.
      this.log.error("assembling the policy set failed", { error });
      this.policies = assemblePolicySet([
        {
          objects: [],
          notes: [],
          problems: [policyProblem(undefined, undefined, undefined, undefined, "the policies could not be assembled (internal error; see the webhook's log)")],
        },
      ]);
    }
    this.currentVersion += 1;
  }

  private notify(): void {
    if (this.policies === undefined || this.notifiedVersion === this.currentVersion) return;
    this.notifiedVersion = this.currentVersion;
    for (const listener of [...this.listeners]) {
      try {
        listener(this.policies, this.currentVersion);
      } catch (error) {
        this.log.error("a policy change listener failed", { error });
      }
    }
  }
}
