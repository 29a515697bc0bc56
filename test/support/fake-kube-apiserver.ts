/**
 * @module test/support/fake-kube-apiserver
 *
 * A FAKE Kubernetes API server, for tests only. It is not kube-apiserver and
 * has no etcd, admission, validation, RBAC or discovery: it is a loopback
 * HTTP(S) server that speaks just enough of the API protocol for the
 * Kubernetes client code under test, and its own tests
 * (fake-kube-apiserver.test.ts) check it against `@kubernetes/client-node`.
 *
 * What it serves, for the Kritis policy kinds, core `pods` and any extra
 * resources given at start:
 * - LIST, cluster-wide (`/apis/G/V/PLURAL`) and per namespace
 *   (`/apis/G/V/namespaces/NS/PLURAL`), with `limit`/`continue` paging over a
 *   consistent snapshot, `resourceVersion` + `resourceVersionMatch`, and
 *   equality/set-based `labelSelector` and `metadata.name`/`metadata.namespace`
 *   `fieldSelector`. Like the real server, items of core lists carry no
 *   `apiVersion`/`kind`, items of custom resource lists do.
 * - GET of one object.
 * - WATCH (`?watch=true`): newline-delimited JSON events (ADDED, MODIFIED,
 *   DELETED, BOOKMARK when `allowWatchBookmarks=true`, ERROR) on a chunked
 *   response. Without a resourceVersion (or with `0`) the watch starts with a
 *   synthetic ADDED per existing object; from resourceVersion N it replays the
 *   history after N. `timeoutSeconds` ends the watch cleanly.
 * - PATCH with `application/merge-patch+json` (RFC 7386: `null` deletes) and
 *   `application/strategic-merge-patch+json` for patches made of maps only
 *   (labels, annotations); a patch with a list or a `$` directive is refused
 *   with 422, because this fake does not implement the per-field strategies.
 *   A `metadata.resourceVersion` in the patch is a precondition (409 when it
 *   is stale). A patch that changes nothing writes nothing, as on a real server.
 *
 * One resourceVersion counter is shared by every resource (as etcd's revision
 * is), and it only goes up. {@link FakeKubeApiServer.compact} forgets the
 * history; afterwards a LIST or WATCH from an older resourceVersion is refused
 * with 410 Gone: a WATCH gets an ERROR event carrying a Status with code 410
 * (what kube-apiserver sends), or an HTTP 410 when started with
 * `tooOldWatch: "http-410"`; a LIST (`continue` token or
 * `resourceVersionMatch=Exact`) gets an HTTP 410 Status.
 *
 * Test controls: create/update/delete objects directly, break every open watch
 * mid-event (the socket is destroyed after half a JSON line), expire them
 * (ERROR 410, then end), send bookmarks, refuse all requests with 503 for a
 * while or chosen ones with any status, and count the requests received.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify as stringifyYaml } from "yaml";
import type { ApiResource } from "../../src/kube/kritis-resources.js";
import { apiVersionOf, podResource, policyResources } from "../../src/kube/kritis-resources.js";

type JsonObject = Record<string, unknown>;
type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface FakeKubeApiServerOptions {
  /** Serve HTTPS with this certificate and key (PEM); `ca` goes into the kubeconfigs it hands out. */
  readonly tls?: { readonly cert: string; readonly key: string; readonly ca: string };
  /** Require `Authorization: Bearer <token>` on every request (401 otherwise). */
  readonly token?: string;
  /** Resources served besides the Kritis policy kinds and core pods. */
  readonly resources?: readonly ApiResource[];
  /** How a WATCH from a compacted resourceVersion is refused (default: an ERROR event, as kube-apiserver does). */
  readonly tooOldWatch?: "error-event" | "http-410";
  /** Loopback address to listen on (default 127.0.0.1). */
  readonly host?: "127.0.0.1" | "::1";
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly watch: boolean;
  readonly contentType: string | undefined;
  /** The HTTP status answered (200 for a watch that was opened). */
  status: number;
}

/** What identifies one object: its apiVersion and kind, namespace (for namespaced kinds) and name. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string | undefined;
  readonly name: string;
}

interface HistoryEntry {
  readonly rv: number;
  readonly resource: ApiResource;
  readonly type: EventType;
  /** The object after the change (for DELETED, its last state at the deletion's resourceVersion). */
  readonly object: JsonObject;
  /** The object before the change (MODIFIED, DELETED). */
  readonly previous: JsonObject | undefined;
}

interface OpenWatch {
  readonly resource: ApiResource;
  readonly namespace: string | undefined;
  readonly matches: (object: JsonObject) => boolean;
  readonly bookmarks: boolean;
  readonly response: ServerResponse;
  timer: NodeJS.Timeout | undefined;
}

class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function metadataOf(object: JsonObject): JsonObject {
  const metadata = object["metadata"];
  if (!isObject(metadata)) throw new Error("fake-kube-apiserver: object has no metadata");
  return metadata;
}

function stringField(object: JsonObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function statusObject(code: number, reason: string, message: string): JsonObject {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function hasListOrDirective(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  if (!isObject(value)) return false;
  return Object.entries(value).some(([key, child]) => key.startsWith("$") || hasListOrDirective(child));
}

type Requirement = (labels: Readonly<Record<string, string>>) => boolean;

/** Kubernetes label selectors: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, comma-separated. */
function parseLabelSelector(selector: string): Requirement {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const char of selector) {
    if (char === "(") depth++;
    if (char === ")") depth--;
    if (char === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current);
  const requirements: Requirement[] = [];
  for (const raw of parts.map((p) => p.trim()).filter((p) => p !== "")) {
    let match: RegExpMatchArray | null;
    if ((match = raw.match(/^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const [, key = "", operator, list = ""] = match;
      const values = new Set(list.split(",").map((v) => v.trim()));
      requirements.push(
        operator === "in"
          ? (labels) => labels[key] !== undefined && values.has(labels[key])
          : (labels) => labels[key] === undefined || !values.has(labels[key]),
      );
    } else if ((match = raw.match(/^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/))) {
      const [, key = "", operator, value = ""] = match;
      requirements.push(operator === "!=" ? (labels) => labels[key] !== value : (labels) => labels[key] === value);
    } else if ((match = raw.match(/^!\s*([\w./-]+)$/))) {
      const key = match[1] ?? "";
      requirements.push((labels) => labels[key] === undefined);
    } else if ((match = raw.match(/^([\w./-]+)$/))) {
      const key = match[1] ?? "";
      requirements.push((labels) => labels[key] !== undefined);
    } else {
      throw new ApiFailure(400, "BadRequest", `unable to parse requirement: ${JSON.stringify(raw)}`);
    }
  }
  return (labels) => requirements.every((r) => r(labels));
}

/** Field selectors on `metadata.name` and `metadata.namespace` (`=`, `==`, `!=`). */
function parseFieldSelector(selector: string): (object: JsonObject) => boolean {
  const checks = selector
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((raw) => {
      const match = raw.match(/^(metadata\.name|metadata\.namespace)\s*(==|=|!=)\s*(.*)$/);
      if (match === null) {
        throw new ApiFailure(400, "BadRequest", `field label not supported by this fake: ${JSON.stringify(raw)}`);
      }
      const [, field = "", operator, value = ""] = match;
      const key = field === "metadata.name" ? "name" : "namespace";
      return (object: JsonObject) => {
        const actual = stringField(metadataOf(object), key) ?? "";
        return operator === "!=" ? actual !== value : actual === value;
      };
    });
  return (object) => checks.every((c) => c(object));
}

function labelsOf(object: JsonObject): Record<string, string> {
  const labels = metadataOf(object)["labels"];
  return isObject(labels) ? (labels as Record<string, string>) : {};
}

function encodeContinue(rv: number, after: string): string {
  return Buffer.from(JSON.stringify({ rv, after })).toString("base64url");
}

function decodeContinue(token: string): { rv: number; after: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (isObject(value) && Number.isInteger(value["rv"]) && typeof value["after"] === "string") {
      return { rv: value["rv"] as number, after: value["after"] };
    }
  } catch {
    // Falls through to the same answer as a well-formed but meaningless token.
  }
  throw new ApiFailure(400, "BadRequest", "continue key is not valid");
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

function parseResourceVersion(value: string, what: string): number {
  if (!/^\d+$/.test(value)) throw new ApiFailure(400, "BadRequest", `${what}: invalid resourceVersion ${JSON.stringify(value)}`);
  return Number(value);
}

/** A loopback stand-in for kube-apiserver. Start it with {@link FakeKubeApiServer.start}; always {@link close} it. */
export class FakeKubeApiServer {
  /** Every request received, in order (including refused ones). */
  readonly requests: RecordedRequest[] = [];

  private readonly resources: ApiResource[];
  private readonly store = new Map<ApiResource, Map<string, JsonObject>>();
  /** State at {@link compactedResourceVersion}, from which older snapshots are rebuilt. */
  private baseline = new Map<ApiResource, Map<string, JsonObject>>();
  private history: HistoryEntry[] = [];
  private readonly watches = new Set<OpenWatch>();
  private readonly events = new EventEmitter();
  private rv = 1;
  private compactedRv = 1;
  private available = true;
  private refusal: { readonly matches: (request: RecordedRequest) => boolean; readonly code: number } | undefined;
  private url_ = "";

  private constructor(
    private readonly server: Server,
    private readonly options: FakeKubeApiServerOptions,
  ) {
    this.resources = [podResource, ...policyResources, ...(options.resources ?? [])];
    for (const resource of this.resources) {
      this.store.set(resource, new Map());
      this.baseline.set(resource, new Map());
    }
  }

  /** Starts a fake API server on a free loopback port. */
  static async start(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const handler = (request: IncomingMessage, response: ServerResponse) => fake.handle(request, response);
    const server = options.tls
      ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
      : createHttpServer(handler);
    const fake = new FakeKubeApiServer(server, options);
    const host = options.host ?? "127.0.0.1";
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    const hostPart = host.includes(":") ? `[${host}]` : host;
    fake.url_ = `${options.tls ? "https" : "http"}://${hostPart}:${port}`;
    return fake;
  }

  /** `http://127.0.0.1:PORT` (or https). */
  get url(): string {
    return this.url_;
  }

  /** The latest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** Watches and lists from before this resourceVersion get 410 Gone. */
  get compactedResourceVersion(): number {
    return this.compactedRv;
  }

  get openWatches(): number {
    return this.watches.size;
  }

  /** How many requests match (all of them without a filter). */
  requestCount(filter?: (request: RecordedRequest) => boolean): number {
    return filter === undefined ? this.requests.length : this.requests.filter(filter).length;
  }

  /** A client configuration for this server (the server's token unless another is given). */
  kubeConfig(options: { readonly token?: string | undefined } = {}): KubeConfig {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromString(this.kubeconfigYaml(options));
    return kubeConfig;
  }

  /** The same configuration as a kubeconfig file's text. */
  kubeconfigYaml(options: { readonly token?: string | undefined; readonly contextName?: string } = {}): string {
    const token = "token" in options ? options.token : this.options.token;
    const context = options.contextName ?? "fake";
    const tls = this.options.tls;
    return stringifyYaml({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: `${context}-cluster`,
          // client-node refuses plain http unless TLS verification is "skipped"; there is no TLS to verify.
          cluster: tls
            ? { server: this.url, "certificate-authority-data": Buffer.from(tls.ca).toString("base64") }
            : { server: this.url, "insecure-skip-tls-verify": true },
        },
      ],
      users: [{ name: `${context}-user`, user: token === undefined ? {} : { token } }],
      contexts: [{ name: context, context: { cluster: `${context}-cluster`, user: `${context}-user` } }],
      "current-context": context,
    });
  }

  /** Resolves once `predicate` holds, checked after every request and change; rejects after `timeoutMs`. */
  async waitUntil(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake-kube-apiserver: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.events.off("change", check);
      };
      this.events.on("change", check);
    });
  }

  // ---- test controls: objects -------------------------------------------------------------

  /** Stores a new object (ADDED); fills in uid, creationTimestamp, generation and resourceVersion. */
  create(object: JsonObject): JsonObject {
    const { resource, namespace, name } = this.locate(object);
    const objects = this.objectsOf(resource);
    const key = objectKey(namespace, name);
    if (objects.has(key)) throw new Error(`fake-kube-apiserver: ${resource.kind} ${key} already exists`);
    const stored = clone(object);
    const metadata = metadataOf(stored);
    metadata["uid"] = randomUUID();
    metadata["creationTimestamp"] = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    metadata["generation"] = 1;
    return clone(this.commit(resource, "ADDED", stored, undefined));
  }

  /** Replaces an existing object (MODIFIED), keeping its uid and creationTimestamp. */
  update(object: JsonObject): JsonObject {
    const { resource, namespace, name } = this.locate(object);
    const existing = this.objectsOf(resource).get(objectKey(namespace, name));
    if (existing === undefined) throw new Error(`fake-kube-apiserver: ${resource.kind} ${objectKey(namespace, name)} not found`);
    return clone(this.replace(resource, existing, clone(object)));
  }

  /** Creates the object, or replaces it when it exists. */
  apply(object: JsonObject): JsonObject {
    const { resource, namespace, name } = this.locate(object);
    return this.objectsOf(resource).has(objectKey(namespace, name)) ? this.update(object) : this.create(object);
  }

  /** Deletes an object (DELETED); returns its last state, or undefined when there was none. */
  delete(ref: ObjectRef): JsonObject | undefined {
    const resource = this.resourceFor(ref.apiVersion, ref.kind);
    const objects = this.objectsOf(resource);
    const existing = objects.get(objectKey(resource.namespaced ? ref.namespace : undefined, ref.name));
    if (existing === undefined) return undefined;
    return clone(this.commit(resource, "DELETED", clone(existing), existing));
  }

  get(ref: ObjectRef): JsonObject | undefined {
    const resource = this.resourceFor(ref.apiVersion, ref.kind);
    const found = this.objectsOf(resource).get(objectKey(resource.namespaced ? ref.namespace : undefined, ref.name));
    return found === undefined ? undefined : clone(found);
  }

  // ---- test controls: connections ---------------------------------------------------------

  /**
   * Breaks every open watch mid-stream: half an event is written, then the
   * socket is destroyed, as when a load balancer or the server dies.
   */
  breakWatches(): number {
    const count = this.watches.size;
    for (const watch of [...this.watches]) {
      watch.response.write('{"type":"MODIFIED","object":{"kind":');
      this.dropWatch(watch);
      watch.response.socket?.destroy();
    }
    return count;
  }

  /** Sends every open watch an ERROR event with a 410 Status, then ends it, as a lagging watch cache does. */
  expireWatches(): number {
    const count = this.watches.size;
    for (const watch of [...this.watches]) {
      this.writeEvent(watch, "ERROR", statusObject(410, "Expired", `too old resource version: ${this.compactedRv} (${this.rv})`));
      this.endWatch(watch);
    }
    return count;
  }

  /** Ends every open watch cleanly, as the server's watch timeout does. */
  endWatches(): number {
    const count = this.watches.size;
    for (const watch of [...this.watches]) this.endWatch(watch);
    return count;
  }

  /** Sends a BOOKMARK at the current resourceVersion to every watch that asked for bookmarks. */
  sendBookmarks(): number {
    let count = 0;
    for (const watch of this.watches) {
      if (!watch.bookmarks) continue;
      this.writeEvent(watch, "BOOKMARK", {
        apiVersion: apiVersionOf(watch.resource),
        kind: watch.resource.kind,
        metadata: { resourceVersion: String(this.rv) },
      });
      count++;
    }
    return count;
  }

  /** Forgets all history up to now: older resourceVersions get 410 Gone from then on. */
  compact(): void {
    this.compactedRv = this.rv;
    this.baseline = new Map([...this.store].map(([resource, objects]) => [resource, new Map(objects)]));
    this.history = [];
  }

  /** While unavailable, every request is answered 503 (open watches stay open; break them separately). */
  setAvailable(available: boolean): void {
    this.available = available;
    this.events.emit("change");
  }

  /**
   * Answers the requests `matches` selects with an error Status of `code`
   * (404 as for a CustomResourceDefinition that is not installed, 403 as for
   * missing RBAC) until called again with undefined.
   */
  setRefusal(refusal: { readonly matches: (request: RecordedRequest) => boolean; readonly code: number } | undefined): void {
    this.refusal = refusal;
    this.events.emit("change");
  }

  /** Destroys open watches and stops listening. */
  async close(): Promise<void> {
    for (const watch of [...this.watches]) {
      this.dropWatch(watch);
      watch.response.socket?.destroy();
    }
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- storage ------------------------------------------------------------------------------

  private objectsOf(resource: ApiResource): Map<string, JsonObject> {
    const objects = this.store.get(resource);
    if (objects === undefined) throw new Error(`fake-kube-apiserver: ${resource.kind} is not served`);
    return objects;
  }

  private resourceFor(apiVersion: string, kind: string): ApiResource {
    const resource = this.resources.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
    if (resource === undefined) throw new Error(`fake-kube-apiserver: ${apiVersion} ${kind} is not served`);
    return resource;
  }

  private locate(object: JsonObject): { resource: ApiResource; namespace: string | undefined; name: string } {
    const resource = this.resourceFor(String(object["apiVersion"]), String(object["kind"]));
    const metadata = metadataOf(object);
    const name = stringField(metadata, "name");
    const namespace = stringField(metadata, "namespace");
    if (name === undefined) throw new Error("fake-kube-apiserver: metadata.name is required");
    if (resource.namespaced && namespace === undefined) {
      throw new Error(`fake-kube-apiserver: ${resource.kind} is namespaced; metadata.namespace is required`);
    }
    if (!resource.namespaced && namespace !== undefined) {
      throw new Error(`fake-kube-apiserver: ${resource.kind} is cluster-scoped; metadata.namespace must be empty`);
    }
    return { resource, namespace, name };
  }

  /** Writes `next` over `existing` unless nothing changed; server-managed metadata is kept. */
  private replace(resource: ApiResource, existing: JsonObject, next: JsonObject): JsonObject {
    const before = metadataOf(existing);
    const metadata = metadataOf(next);
    for (const managed of ["uid", "creationTimestamp", "generation", "resourceVersion"]) metadata[managed] = before[managed];
    if (sameJson(next, existing)) return existing;
    if (!sameJson(next["spec"], existing["spec"])) metadata["generation"] = Number(before["generation"] ?? 0) + 1;
    return this.commit(resource, "MODIFIED", next, existing);
  }

  private commit(resource: ApiResource, type: EventType, object: JsonObject, previous: JsonObject | undefined): JsonObject {
    this.rv += 1;
    object["apiVersion"] = apiVersionOf(resource);
    object["kind"] = resource.kind;
    const metadata = metadataOf(object);
    metadata["resourceVersion"] = String(this.rv);
    const key = objectKey(stringField(metadata, "namespace"), String(metadata["name"]));
    if (type === "DELETED") this.objectsOf(resource).delete(key);
    else this.objectsOf(resource).set(key, object);
    const entry: HistoryEntry = { rv: this.rv, resource, type, object, previous };
    this.history.push(entry);
    for (const watch of [...this.watches]) this.deliver(watch, entry);
    this.events.emit("change");
    return object;
  }

  /** The objects of a resource as they were at resourceVersion `rv` (≥ the compaction point). */
  private snapshot(resource: ApiResource, rv: number): Map<string, JsonObject> {
    if (rv >= this.rv) return this.objectsOf(resource);
    const state = new Map(this.baseline.get(resource));
    for (const entry of this.history) {
      if (entry.rv > rv) break;
      if (entry.resource !== resource) continue;
      const metadata = metadataOf(entry.object);
      const key = objectKey(stringField(metadata, "namespace"), String(metadata["name"]));
      if (entry.type === "DELETED") state.delete(key);
      else state.set(key, entry.object);
    }
    return state;
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? "/", "http://fake");
    const query = Object.fromEntries(url.searchParams);
    const record: RecordedRequest = {
      method: request.method ?? "GET",
      path: url.pathname,
      query,
      watch: query["watch"] === "true" || query["watch"] === "1",
      contentType: request.headers["content-type"],
      status: 0,
    };
    this.requests.push(record);
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        record.status = this.route(record, Buffer.concat(chunks).toString("utf8"), request, response);
      } catch (error) {
        const failure =
          error instanceof ApiFailure ? error : new ApiFailure(500, "InternalError", error instanceof Error ? error.message : String(error));
        record.status = failure.code;
        this.sendJson(response, failure.code, statusObject(failure.code, failure.reason, failure.message));
      }
      this.events.emit("change");
    });
  }

  private route(record: RecordedRequest, body: string, request: IncomingMessage, response: ServerResponse): number {
    if (!this.available) throw new ApiFailure(503, "ServiceUnavailable", "the fake API server is unavailable (test control)");
    if (this.refusal?.matches(record)) {
      const reasons: Record<number, string> = { 403: "Forbidden", 404: "NotFound", 410: "Expired", 500: "InternalError", 503: "ServiceUnavailable" };
      throw new ApiFailure(this.refusal.code, reasons[this.refusal.code] ?? "Unknown", "refused by the fake API server (test control)");
    }
    if (this.options.token !== undefined && request.headers["authorization"] !== `Bearer ${this.options.token}`) {
      throw new ApiFailure(401, "Unauthorized", "Unauthorized");
    }
    const { resource, namespace, name } = this.parsePath(record.path);
    if (record.method === "GET" && name === undefined) {
      if (record.watch) return this.watch(resource, namespace, record.query, response);
      return this.sendJson(response, 200, this.list(resource, namespace, record.query));
    }
    if (name === undefined) throw new ApiFailure(405, "MethodNotAllowed", `${record.method} is not supported on a collection by this fake`);
    const existing = this.objectsOf(resource).get(objectKey(namespace, name));
    if (existing === undefined) throw new ApiFailure(404, "NotFound", `${resource.plural}.${resource.group || "core"} ${JSON.stringify(name)} not found`);
    if (record.method === "GET") return this.sendJson(response, 200, existing);
    if (record.method === "PATCH") return this.sendJson(response, 200, this.patch(resource, existing, record.contentType, body));
    throw new ApiFailure(405, "MethodNotAllowed", `${record.method} is not supported by this fake`);
  }

  private parsePath(path: string): { resource: ApiResource; namespace: string | undefined; name: string | undefined } {
    const segments = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
    let group: string;
    let rest: string[];
    if (segments[0] === "api" && segments.length >= 3) {
      group = "";
      rest = segments.slice(1);
    } else if (segments[0] === "apis" && segments.length >= 4) {
      group = segments[1] ?? "";
      rest = segments.slice(2);
    } else {
      throw new ApiFailure(404, "NotFound", `the server could not find the requested resource (${path})`);
    }
    const [version, ...tail] = rest;
    let namespace: string | undefined;
    let remainder = tail;
    if (tail[0] === "namespaces" && tail.length >= 3) {
      namespace = tail[1];
      remainder = tail.slice(2);
    }
    const [plural, name, ...extra] = remainder;
    const resource = this.resources.find((r) => r.group === group && r.version === version && r.plural === plural);
    const scopeFits = resource !== undefined && (namespace === undefined ? !resource.namespaced || name === undefined : resource.namespaced);
    if (resource === undefined || extra.length > 0 || !scopeFits) {
      throw new ApiFailure(404, "NotFound", `the server could not find the requested resource (${path})`);
    }
    return { resource, namespace, name };
  }

  private filterFor(namespace: string | undefined, query: Readonly<Record<string, string>>): (object: JsonObject) => boolean {
    const labels = query["labelSelector"] ? parseLabelSelector(query["labelSelector"]) : () => true;
    const fields = query["fieldSelector"] ? parseFieldSelector(query["fieldSelector"]) : () => true;
    return (object) =>
      (namespace === undefined || stringField(metadataOf(object), "namespace") === namespace) &&
      labels(labelsOf(object)) &&
      fields(object);
  }

  private list(resource: ApiResource, namespace: string | undefined, query: Readonly<Record<string, string>>): JsonObject {
    const matches = this.filterFor(namespace, query);
    let listRv = this.rv;
    let after = "";
    const token = query["continue"];
    if (token !== undefined && token !== "") {
      const position = decodeContinue(token);
      if (position.rv < this.compactedRv) {
        throw new ApiFailure(
          410,
          "Expired",
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.",
        );
      }
      listRv = position.rv;
      after = position.after;
    } else if (query["resourceVersion"] !== undefined && query["resourceVersion"] !== "" && query["resourceVersion"] !== "0") {
      const requested = parseResourceVersion(query["resourceVersion"], "list");
      if (requested > this.rv) throw new ApiFailure(504, "Timeout", "Too large resource version");
      if (query["resourceVersionMatch"] === "Exact") {
        if (requested < this.compactedRv) {
          throw new ApiFailure(410, "Expired", `resourceVersion ${requested}: too old resource version: ${requested} (${this.compactedRv})`);
        }
        listRv = requested;
      }
    }
    const limit = query["limit"] === undefined ? 0 : Number(query["limit"]);
    if (!Number.isInteger(limit) || limit < 0) throw new ApiFailure(400, "BadRequest", `invalid limit ${JSON.stringify(query["limit"])}`);

    const all = [...this.snapshot(resource, listRv)]
      .filter(([key, object]) => key > after && matches(object))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const page = limit > 0 ? all.slice(0, limit) : all;
    const metadata: JsonObject = { resourceVersion: String(listRv) };
    const last = page[page.length - 1];
    if (page.length < all.length && last !== undefined) {
      metadata["continue"] = encodeContinue(listRv, last[0]);
      metadata["remainingItemCount"] = all.length - page.length;
    }
    // Typed (core) lists leave apiVersion/kind off their items; custom resource lists keep them.
    const items = page.map(([, object]) => {
      if (resource.group !== "") return object;
      const item = { ...object };
      delete item["apiVersion"];
      delete item["kind"];
      return item;
    });
    return { apiVersion: apiVersionOf(resource), kind: `${resource.kind}List`, metadata, items };
  }

  private watch(
    resource: ApiResource,
    namespace: string | undefined,
    query: Readonly<Record<string, string>>,
    response: ServerResponse,
  ): number {
    const inScope = this.filterFor(namespace, query);
    const requested = query["resourceVersion"];
    const fromStart = requested === undefined || requested === "" || requested === "0";
    const from = fromStart ? this.rv : parseResourceVersion(requested, "watch");
    const tooOld = !fromStart && from < this.compactedRv;
    if (tooOld && this.options.tooOldWatch === "http-410") {
      throw new ApiFailure(410, "Expired", `too old resource version: ${from} (${this.compactedRv})`);
    }
    response.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private" });
    response.flushHeaders();
    const watch: OpenWatch = {
      resource,
      namespace,
      matches: inScope,
      bookmarks: query["allowWatchBookmarks"] === "true",
      response,
      timer: undefined,
    };
    if (tooOld) {
      this.writeEvent(watch, "ERROR", statusObject(410, "Expired", `too old resource version: ${from} (${this.compactedRv})`));
      response.end();
      return 200;
    }
    if (fromStart) {
      const current = [...this.objectsOf(resource)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [, object] of current) if (inScope(object)) this.writeEvent(watch, "ADDED", object);
    } else {
      for (const entry of this.history) if (entry.rv > from) this.deliver(watch, entry);
    }
    this.watches.add(watch);
    response.on("close", () => this.dropWatch(watch));
    const timeout = Number(query["timeoutSeconds"] ?? 0);
    if (Number.isFinite(timeout) && timeout > 0) watch.timer = setTimeout(() => this.endWatch(watch), timeout * 1000);
    return 200;
  }

  /** Sends one change to a watch, as seen through its namespace and selectors. */
  private deliver(watch: OpenWatch, entry: HistoryEntry): void {
    if (entry.resource !== watch.resource) return;
    const now = entry.type !== "DELETED" && watch.matches(entry.object);
    const before = entry.previous !== undefined && watch.matches(entry.previous);
    if (entry.type === "DELETED") {
      if (before) this.writeEvent(watch, "DELETED", entry.object);
    } else if (now) {
      this.writeEvent(watch, before ? "MODIFIED" : "ADDED", entry.object);
    } else if (before) {
      // The object left the selection: a selecting watcher sees it go away.
      this.writeEvent(watch, "DELETED", entry.object);
    }
  }

  private writeEvent(watch: OpenWatch, type: string, object: JsonObject): void {
    watch.response.write(`${JSON.stringify({ type, object })}\n`);
  }

  private endWatch(watch: OpenWatch): void {
    this.dropWatch(watch);
    watch.response.end();
  }

  private dropWatch(watch: OpenWatch): void {
    if (!this.watches.delete(watch)) return;
    if (watch.timer !== undefined) clearTimeout(watch.timer);
    this.events.emit("change");
  }

  private patch(resource: ApiResource, existing: JsonObject, contentType: string | undefined, body: string): JsonObject {
    const mediaType = (contentType ?? "").split(";")[0]?.trim();
    if (mediaType !== "application/merge-patch+json" && mediaType !== "application/strategic-merge-patch+json") {
      throw new ApiFailure(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json (this fake); got ${JSON.stringify(contentType)}`);
    }
    let patch: unknown;
    try {
      patch = JSON.parse(body);
    } catch {
      throw new ApiFailure(400, "BadRequest", "the patch is not valid JSON");
    }
    if (!isObject(patch)) throw new ApiFailure(400, "BadRequest", "the patch must be a JSON object");
    if (mediaType === "application/strategic-merge-patch+json" && hasListOrDirective(patch)) {
      throw new ApiFailure(
        422,
        "Invalid",
        "fake-kube-apiserver: strategic merge patch is only implemented for maps (labels, annotations); this patch has a list or a $ directive",
      );
    }
    const patchMetadata = isObject(patch["metadata"]) ? patch["metadata"] : undefined;
    const precondition = patchMetadata?.["resourceVersion"];
    const current = metadataOf(existing);
    if (typeof precondition === "string" && precondition !== current["resourceVersion"]) {
      throw new ApiFailure(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${resource.plural} ${JSON.stringify(current["name"])}: the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const next = mergePatch(existing, patch);
    if (!isObject(next) || !isObject(next["metadata"])) throw new ApiFailure(422, "Invalid", "metadata: Required value");
    const nextMetadata = next["metadata"];
    if (nextMetadata["name"] !== current["name"] || nextMetadata["namespace"] !== current["namespace"]) {
      throw new ApiFailure(400, "BadRequest", "the name or namespace of the object does not match the request");
    }
    return this.replace(resource, existing, next);
  }

  private sendJson(response: ServerResponse, status: number, body: JsonObject): number {
    const text = JSON.stringify(body);
    response.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    response.end(text);
    return status;
  }
}
