/**
 * @module kube/resource-watch
 *
 * Keeps one custom resource collection (cluster-wide) mirrored in memory: a
 * paginated LIST, then a WATCH from the list's resourceVersion, for as long as
 * it runs. This is what a client-go reflector does; it is written here rather
 * than taken from `@kubernetes/client-node`'s `makeInformer` (1.4.0) because
 * that informer
 * - stops for good after any failure other than 410 — a refused connection, a
 *   5xx, or a watch stream cut mid-way ("Premature close") is reported to its
 *   error callbacks and never retried, so a policy change made afterwards would
 *   never be seen;
 * - gives no signal that the first list has arrived (an empty list fires no
 *   event), which readiness needs;
 * - watches without `timeoutSeconds`, and its `Watch` drops the 30 s timeout it
 *   creates, so a connection that goes silent is never noticed.
 *
 * The loop here:
 * - resumes a watch that ended (cleanly or broken) from the last
 *   resourceVersion it saw, so the server replays what happened meanwhile;
 * - re-lists from scratch after a 410 Gone (an ERROR event with code 410, an
 *   HTTP 410 on the watch, or an expired `continue` token);
 * - retries failures with exponential backoff (jittered, bounded); a watch
 *   that delivered events or stayed open a while resets it;
 * - asks the server to end each watch after `watchTimeoutSeconds`, and aborts
 *   it itself when the server has been silent well past that;
 * - asks for bookmarks, so a quiet collection's resourceVersion keeps moving
 *   and a reconnect does not fall behind the server's history.
 *
 * Objects are handed over as the server sent them (unknown JSON); judging
 * them is the caller's business.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { KubeConfig } from "@kubernetes/client-node";
import { CustomObjectsApi, Watch } from "@kubernetes/client-node";
import type { Logger } from "../logging/logger.js";
import type { ApiResource } from "./kritis-resources.js";
import { collectionPath } from "./kritis-resources.js";
import { describeFailure, httpStatusOfFailure, resourceName } from "./api-failure.js";

/** Receives the state of the collection. Called synchronously; must not throw. */
export interface ResourceWatchHandlers {
  /** A complete list arrived: these are all the objects there are now. */
  replaceAll(objects: readonly unknown[]): void;
  /** An object was added or changed. */
  upsert(object: unknown): void;
  /** An object was deleted (its last state). */
  remove(object: unknown): void;
}

export interface BackoffOptions {
  /** The first delay after a failure (default 500 ms). */
  readonly initialMs?: number;
  /** The longest delay (default 30 s). */
  readonly maxMs?: number;
}

export interface ResourceWatchOptions {
  readonly kubeConfig: KubeConfig;
  /** A custom resource (non-empty group); namespaced ones are listed across all namespaces. */
  readonly resource: ApiResource;
  readonly handlers: ResourceWatchHandlers;
  readonly logger: Logger;
  readonly backoff?: BackoffOptions;
  /** Objects per LIST page (default 500). */
  readonly pageSize?: number;
  /** The server ends each watch after this long (default 300 s); the loop then resumes it. */
  readonly watchTimeoutSeconds?: number;
}

interface WatchOutcome {
  readonly events: number;
  /** The server said the resourceVersion is gone: re-list. */
  readonly expired: boolean;
  readonly error: unknown;
  readonly durationMs: number;
}

/** A watch open this long counts as healthy even without events, so a quiet collection does not back off. */
const healthyWatchMs = 1000;
/** How long past its timeout a silent watch is left before the client aborts it. */
const watchdogGraceSeconds = 30;

class Stopped extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function resourceVersionOf(object: unknown): string | undefined {
  const metadata = isObject(object) ? object["metadata"] : undefined;
  const rv = isObject(metadata) ? metadata["resourceVersion"] : undefined;
  return typeof rv === "string" && rv !== "" ? rv : undefined;
}

export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const base = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  // Half fixed, half random: clients that failed together do not retry together.
  return base / 2 + Math.random() * (base / 2);
}

export class ResourceWatch {
  private readonly api: CustomObjectsApi;
  private readonly watcher: Watch;
  private readonly stopping = new AbortController();
  private readonly log: Logger;
  private resourceVersion: string | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ResourceWatchOptions) {
    if (options.resource.group === "") throw new Error("ResourceWatch serves custom resources only");
    this.api = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.watcher = new Watch(options.kubeConfig);
    this.log = options.logger.child({ resource: resourceName(options.resource) });
  }

  /** Starts listing and watching; idempotent. */
  start(): void {
    this.loop ??= this.run();
  }

  /** Stops for good and waits for the loop to end. */
  async stop(): Promise<void> {
    // Ends the backoff sleep, the pending list and the open watch (see watchOnce).
    this.stopping.abort();
    await this.loop;
  }

  private get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let healthy = false;
      try {
        if (this.resourceVersion === undefined) await this.listAll();
        const outcome = await this.watchOnce();
        if (this.stopped) break;
        healthy = outcome.events > 0 || outcome.durationMs >= healthyWatchMs;
        if (outcome.expired) {
          this.log.info("watch history expired; listing again");
          this.resourceVersion = undefined;
        } else if (outcome.error !== undefined && outcome.error !== null) {
          this.log.warn("watch ended with an error; resuming", { reason: describeFailure(outcome.error, this.options.resource, "list and watch") });
        }
      } catch (error) {
        if (error instanceof Stopped || this.stopped) break;
        if (httpStatusOfFailure(error) === 410) this.resourceVersion = undefined;
        this.log.warn("listing failed; retrying", { reason: describeFailure(error, this.options.resource, "list and watch") });
      }
      if (healthy) {
        failures = 0;
        continue;
      }
      try {
        await sleep(backoffDelay(failures++, this.options.backoff), undefined, { signal: this.stopping.signal });
      } catch {
        break;
      }
    }
  }

  /** Settles like `promise`, or rejects with Stopped as soon as the watch is stopped. */
  private untilStopped<T>(promise: Promise<T>): Promise<T> {
    const signal = this.stopping.signal;
    if (signal.aborted) return Promise.reject(new Stopped());
    return new Promise<T>((resolve, reject) => {
      const onStop = () => reject(new Stopped());
      signal.addEventListener("abort", onStop, { once: true });
      promise.then(
        (value) => {
          signal.removeEventListener("abort", onStop);
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener("abort", onStop);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  private async listAll(): Promise<void> {
    const { group, version, plural } = this.options.resource;
    const items: unknown[] = [];
    let token: string | undefined;
    let listVersion: string | undefined;
    do {
      const page: unknown = await this.untilStopped(
        this.api.listClusterCustomObject({
          group,
          version,
          plural,
          limit: this.options.pageSize ?? 500,
          ...(token === undefined ? {} : { _continue: token }),
        }) as Promise<unknown>,
      );
      const metadata = isObject(page) ? page["metadata"] : undefined;
      const pageItems = isObject(page) ? page["items"] : undefined;
      const rv = isObject(metadata) ? metadata["resourceVersion"] : undefined;
      if (!isObject(metadata) || typeof rv !== "string" || rv === "" || (pageItems !== undefined && pageItems !== null && !Array.isArray(pageItems))) {
        throw new Error("the API server answered the list with something that is not a list");
      }
      if (Array.isArray(pageItems)) items.push(...(pageItems as unknown[]));
      listVersion = rv;
      const next = metadata["continue"];
      token = typeof next === "string" && next !== "" ? next : undefined;
    } while (token !== undefined);
    this.options.handlers.replaceAll(items);
    this.resourceVersion = listVersion;
    this.log.debug("listed", { count: items.length, resourceVersion: listVersion });
  }

  private watchOnce(): Promise<WatchOutcome> {
    const started = Date.now();
    const timeoutSeconds = this.options.watchTimeoutSeconds ?? 300;
    let events = 0;
    let expired = false;
    let errorEvent: unknown;
    return new Promise<WatchOutcome>((resolve) => {
      let settled = false;
      let watchdog: NodeJS.Timeout | undefined;
      let controller: AbortController | undefined;
      const signal = this.stopping.signal;
      const finish = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        signal.removeEventListener("abort", onStop);
        // Closes the connection when the end is ours (stop); a no-op when the stream already ended.
        controller?.abort();
        expired ||= httpStatusOfFailure(error) === 410;
        resolve({ events, expired, error: error ?? errorEvent, durationMs: Date.now() - started });
      };
      const onStop = () => finish(undefined);
      signal.addEventListener("abort", onStop, { once: true });

      const onEvent = (type: string, object: unknown) => {
        if (settled) return;
        try {
          const progress = this.onEvent(type, object, (code, status) => {
            if (code === 410) expired = true;
            else errorEvent = Object.assign(new Error(`watch ERROR event: ${status}`), { statusCode: code });
          });
          if (progress) events++;
        } catch (error) {
          // A handler bug must not kill the stream silently (client-node swallows callback errors).
          this.log.error("handling a watch event failed", { type, error });
        }
      };
      this.watcher
        .watch(
          collectionPath(this.options.resource),
          { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
          onEvent,
          (error: unknown) => finish(error),
        )
        .then(
          (started) => {
            if (settled || this.stopped) {
              started.abort();
              return;
            }
            controller = started;
            watchdog = setTimeout(() => started.abort(), (timeoutSeconds + watchdogGraceSeconds) * 1000);
          },
          (error: unknown) => finish(error),
        );
    });
  }

  /** Applies one event; true when it moved the mirror forward (ERROR and unknown events do not). */
  private onEvent(type: string, object: unknown, onError: (code: number | undefined, status: string) => void): boolean {
    switch (type) {
      case "ADDED":
      case "MODIFIED":
        this.options.handlers.upsert(object);
        break;
      case "DELETED":
        this.options.handlers.remove(object);
        break;
      case "BOOKMARK":
        break;
      case "ERROR": {
        const code = isObject(object) && typeof object["code"] === "number" ? object["code"] : undefined;
        const message = isObject(object) && typeof object["message"] === "string" ? object["message"] : "unknown error";
        onError(code, message);
        return false;
      }
      default:
        this.log.warn("ignored a watch event of unknown type", { type });
        return false;
    }
    this.resourceVersion = resourceVersionOf(object) ?? this.resourceVersion;
    return true;
  }
}
