/**
 * Checks the FAKE Kubernetes API server against `@kubernetes/client-node`, so
 * that tests built on it exercise the client code the way a real cluster
 * would. It is a test double; nothing here talks to Kubernetes.
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { valueAt as at, withField } from "../../src/policy/crds/test-fixtures.js";
import { generateWebhookCertificates } from "../../src/tls/webhook-certificates.js";
import { FakeKubeApiServer } from "./fake-kube-apiserver.js";
import { attestationAuthority, kritisConfig, pod } from "./kube-objects.js";
import { waitFor, withTimeout } from "./wait.js";

const group = "kritis.grafeas.io";
const version = "v1beta1";
const authoritiesPath = `/apis/${group}/${version}/attestationauthorities`;

interface WatchEvent {
  readonly type: string;
  readonly object: unknown;
}

/** A client-node watch whose events and end are recorded. */
class RecordedWatch {
  readonly events: WatchEvent[] = [];
  ended = false;
  endError: unknown = undefined;
  private controller: AbortController | undefined;

  static async start(kubeConfig: KubeConfig, path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<RecordedWatch> {
    const recorded = new RecordedWatch();
    recorded.controller = await new Watch(kubeConfig).watch(
      path,
      query,
      (type, object) => recorded.events.push({ type, object }),
      (error) => {
        recorded.ended = true;
        recorded.endError = error;
      },
    );
    return recorded;
  }

  types(): string[] {
    return this.events.map((e) => `${e.type} ${text(e.object, "metadata.name")}`.trim());
  }

  stop(): void {
    this.controller?.abort();
  }
}

/** The string at a path ("" when absent). */
function text(object: unknown, path: string): string {
  const value = at(object, path);
  return typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
}

function itemsOf(list: unknown): unknown[] {
  const items = at(list, "items");
  assert.ok(Array.isArray(items), "a list has items");
  return items as unknown[];
}

async function apiError(promise: Promise<unknown>): Promise<ApiException<unknown>> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiException) return error;
    throw error;
  }
  assert.fail("the request was expected to fail");
}

describe("fake kube-apiserver (a test double, not Kubernetes)", () => {
  let fake: FakeKubeApiServer;
  let kubeConfig: KubeConfig;
  let custom: CustomObjectsApi;
  let core: CoreV1Api;
  const watches: RecordedWatch[] = [];

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start();
    kubeConfig = fake.kubeConfig();
    custom = kubeConfig.makeApiClient(CustomObjectsApi);
    core = kubeConfig.makeApiClient(CoreV1Api);
  });

  afterEach(async () => {
    for (const watch of watches.splice(0)) watch.stop();
    await fake.close();
  });

  const watch = async (path: string, query: Record<string, string | number | boolean | undefined> = {}) => {
    const recorded = await RecordedWatch.start(kubeConfig, path, query);
    watches.push(recorded);
    return recorded;
  };

  describe("LIST and GET", () => {
    test("lists namespaced custom resources across all namespaces, each item with apiVersion and kind", async () => {
      fake.create(attestationAuthority("prod"));
      fake.create(attestationAuthority("staging"));
      const list = await custom.listClusterCustomObject({ group, version, plural: "attestationauthorities" });
      assert.equal(list.kind, "AttestationAuthorityList");
      assert.deepEqual(
        itemsOf(list).map((i) => `${text(i, "apiVersion")} ${text(i, "kind")} ${text(i, "metadata.namespace")}/${text(i, "metadata.name")}`),
        [`${group}/${version} AttestationAuthority prod/qa`, `${group}/${version} AttestationAuthority staging/qa`],
      );
      assert.equal(list.metadata.resourceVersion, String(fake.resourceVersion));
    });

    test("lists the custom resources of one namespace only", async () => {
      fake.create(attestationAuthority("prod"));
      fake.create(attestationAuthority("staging"));
      const list = await custom.listNamespacedCustomObject({ group, version, namespace: "staging", plural: "attestationauthorities" });
      assert.deepEqual(itemsOf(list).map((i) => at(i, "metadata.namespace")), ["staging"]);
    });

    test("lists and reads the cluster-scoped KritisConfig", async () => {
      fake.create(kritisConfig("kritis-config"));
      const list = await custom.listClusterCustomObject({ group, version, plural: "kritisconfigs" });
      assert.deepEqual(itemsOf(list).map((i) => at(i, "metadata.name")), ["kritis-config"]);
      const one = await custom.getClusterCustomObject({ group, version, plural: "kritisconfigs", name: "kritis-config" });
      assert.equal(at(one, "spec.noPolicyDefault"), "DENY");
    });

    test("lists pods through the typed client in all namespaces and in one", async () => {
      fake.create(pod("a", "one"));
      fake.create(pod("b", "two"));
      const all = await core.listPodForAllNamespaces();
      assert.deepEqual(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`), ["a/one", "b/two"]);
      const inB = await core.listNamespacedPod({ namespace: "b" });
      assert.deepEqual(inB.items.map((p) => p.metadata?.name), ["two"]);
      assert.equal(inB.items[0]?.spec?.containers[0]?.name, "app");
    });

    test("pages a list with limit and continue over the snapshot the first page was read from", async () => {
      for (const name of ["p1", "p2", "p3", "p4", "p5"]) fake.create(pod("a", name));
      const first = await core.listNamespacedPod({ namespace: "a", limit: 2 });
      assert.deepEqual(first.items.map((p) => p.metadata?.name), ["p1", "p2"]);
      assert.equal(first.metadata?.remainingItemCount, 3);
      fake.create(pod("a", "p0-created-between-pages"));
      fake.delete({ apiVersion: "v1", kind: "Pod", namespace: "a", name: "p4" });
      const names = first.items.map((p) => p.metadata?.name);
      let token = first.metadata?._continue;
      while (token) {
        const page = await core.listNamespacedPod({ namespace: "a", limit: 2, _continue: token });
        names.push(...page.items.map((p) => p.metadata?.name));
        assert.equal(page.metadata?.resourceVersion, first.metadata?.resourceVersion);
        token = page.metadata?._continue;
      }
      assert.deepEqual(names, ["p1", "p2", "p3", "p4", "p5"]);
    });

    test("filters a list with a label selector", async () => {
      fake.create(pod("a", "marked", { labels: { "kritis.grafeas.io/attestation": "notAttested" } }));
      fake.create(pod("a", "plain"));
      const marked = await core.listPodForAllNamespaces({ labelSelector: "kritis.grafeas.io/attestation=notAttested" });
      assert.deepEqual(marked.items.map((p) => p.metadata?.name), ["marked"]);
      const unmarked = await core.listPodForAllNamespaces({ labelSelector: "!kritis.grafeas.io/attestation" });
      assert.deepEqual(unmarked.items.map((p) => p.metadata?.name), ["plain"]);
    });

    test("answers 404 with a NotFound Status for a missing object", async () => {
      const error = await apiError(core.readNamespacedPod({ namespace: "a", name: "missing" }));
      assert.equal(error.code, 404);
      assert.equal(JSON.parse(String(error.body)).reason, "NotFound");
    });

    test("gives every change a higher resourceVersion than the one before", () => {
      const created = fake.create(pod("a", "p"));
      const updated = fake.update(pod("a", "p", { labels: { x: "1" } }));
      const deleted = fake.delete({ apiVersion: "v1", kind: "Pod", namespace: "a", name: "p" });
      const versions = [created, updated, deleted].map((o) => Number(at(o, "metadata.resourceVersion")));
      assert.ok(versions[0]! < versions[1]! && versions[1]! < versions[2]!, `not increasing: ${versions.join(", ")}`);
      assert.equal(fake.resourceVersion, versions[2]);
    });
  });

  describe("WATCH", () => {
    test("streams ADDED, MODIFIED and DELETED events to a watch started at a list's resourceVersion", async () => {
      fake.create(attestationAuthority("prod", "existing"));
      const list = await custom.listClusterCustomObject({ group, version, plural: "attestationauthorities" });
      const recorded = await watch(authoritiesPath, { resourceVersion: list.metadata.resourceVersion });
      fake.create(attestationAuthority("prod", "new"));
      fake.update(withField(attestationAuthority("prod", "new"), "spec.noteReference", "projects/p/notes/n"));
      fake.delete({ apiVersion: `${group}/${version}`, kind: "AttestationAuthority", namespace: "prod", name: "existing" });
      await waitFor(() => recorded.events.length === 3, "three events");
      assert.deepEqual(recorded.types(), ["ADDED new", "MODIFIED new", "DELETED existing"]);
      const versions = recorded.events.map((e) => Number(at(e.object, "metadata.resourceVersion")));
      assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
      assert.equal(at(recorded.events[1]?.object, "spec.noteReference"), "projects/p/notes/n");
    });

    test("starts a watch without a resourceVersion with an ADDED event per existing object", async () => {
      fake.create(pod("a", "one"));
      fake.create(pod("b", "two"));
      const recorded = await watch("/api/v1/pods");
      await waitFor(() => recorded.events.length === 2, "two ADDED events");
      assert.deepEqual(recorded.types(), ["ADDED one", "ADDED two"]);
      assert.equal(at(recorded.events[0]?.object, "kind"), "Pod");
    });

    test("replays the changes made after the resourceVersion a watch starts from", async () => {
      const start = fake.resourceVersion;
      fake.create(pod("a", "one"));
      fake.create(pod("b", "other-namespace"));
      fake.delete({ apiVersion: "v1", kind: "Pod", namespace: "a", name: "one" });
      const recorded = await watch("/api/v1/namespaces/a/pods", { resourceVersion: String(start) });
      await waitFor(() => recorded.events.length === 2, "the replayed events");
      assert.deepEqual(recorded.types(), ["ADDED one", "DELETED one"]);
    });

    test("sends bookmarks only to watches that asked for them", async () => {
      const withBookmarks = await watch(authoritiesPath, { resourceVersion: String(fake.resourceVersion), allowWatchBookmarks: true });
      const without = await watch(authoritiesPath, { resourceVersion: String(fake.resourceVersion) });
      await fake.waitUntil(() => fake.openWatches === 2, "two open watches");
      fake.create(pod("a", "unrelated"));
      assert.equal(fake.sendBookmarks(), 1);
      await waitFor(() => withBookmarks.events.length === 1, "a bookmark");
      assert.equal(withBookmarks.events[0]?.type, "BOOKMARK");
      assert.equal(at(withBookmarks.events[0]?.object, "metadata.resourceVersion"), String(fake.resourceVersion));
      assert.equal(without.events.length, 0);
    });

    test("answers a watch from a compacted resourceVersion with an ERROR event carrying a 410 Status, then ends it", async () => {
      const old = fake.resourceVersion;
      fake.create(pod("a", "one"));
      fake.compact();
      const recorded = await watch("/api/v1/pods", { resourceVersion: String(old) });
      await waitFor(() => recorded.ended, "the watch to end");
      assert.deepEqual(recorded.types(), ["ERROR"]);
      assert.equal(at(recorded.events[0]?.object, "kind"), "Status");
      assert.equal(at(recorded.events[0]?.object, "code"), 410);
    });

    test("answers a watch from a compacted resourceVersion with HTTP 410 when started with tooOldWatch http-410", async () => {
      await fake.close();
      fake = await FakeKubeApiServer.start({ tooOldWatch: "http-410" });
      kubeConfig = fake.kubeConfig();
      const old = fake.resourceVersion;
      fake.create(pod("a", "one"));
      fake.compact();
      const recorded = await watch("/api/v1/pods", { resourceVersion: String(old) });
      await waitFor(() => recorded.ended, "the watch to end");
      assert.equal(at(recorded.endError, "statusCode"), 410);
      assert.equal(recorded.events.length, 0);
    });

    test("answers 410 Gone to a list continued from a compacted resourceVersion", async () => {
      for (const name of ["p1", "p2", "p3"]) fake.create(pod("a", name));
      const first = await core.listNamespacedPod({ namespace: "a", limit: 1 });
      fake.create(pod("a", "p4"));
      fake.compact();
      const error = await apiError(core.listNamespacedPod({ namespace: "a", limit: 1, _continue: first.metadata?._continue }));
      assert.equal(error.code, 410);
      assert.equal(JSON.parse(String(error.body)).reason, "Expired");
    });

    test("answers 410 Gone to an exact list at a compacted resourceVersion", async () => {
      const old = fake.resourceVersion;
      fake.create(pod("a", "p1"));
      fake.compact();
      const error = await apiError(core.listNamespacedPod({ namespace: "a", resourceVersion: String(old), resourceVersionMatch: "Exact" }));
      assert.equal(error.code, 410);
    });

    test("breaks open watches mid-event: the client sees the stream end and no partial event", async () => {
      const recorded = await watch("/api/v1/pods", { resourceVersion: String(fake.resourceVersion) });
      await fake.waitUntil(() => fake.openWatches === 1, "the watch to open");
      assert.equal(fake.breakWatches(), 1);
      await waitFor(() => recorded.ended, "the watch to end");
      assert.equal(recorded.events.length, 0);
      assert.equal(fake.openWatches, 0);
    });

    test("expires open watches with an ERROR event carrying a 410 Status, and ends them", async () => {
      const recorded = await watch("/api/v1/pods", { resourceVersion: String(fake.resourceVersion) });
      await fake.waitUntil(() => fake.openWatches === 1, "the watch to open");
      assert.equal(fake.expireWatches(), 1);
      await waitFor(() => recorded.ended, "the watch to end");
      assert.deepEqual(recorded.events.map((e) => [e.type, at(e.object, "code")]), [["ERROR", 410]]);
      assert.equal(recorded.endError, null);
    });

    test("ends a watch cleanly after its timeoutSeconds", async () => {
      const recorded = await watch("/api/v1/pods", { resourceVersion: String(fake.resourceVersion), timeoutSeconds: 1 });
      await waitFor(() => recorded.ended, "the watch to time out", 3000);
      assert.equal(recorded.endError, null);
    });

    test("feeds client-node's own informer with add, update and delete events", async () => {
      const informer = makeInformer<KubernetesObject>(kubeConfig, "/api/v1/namespaces/a/pods", () => core.listNamespacedPod({ namespace: "a" }));
      const seen: string[] = [];
      informer.on("add", (o) => seen.push(`add ${o.metadata?.name}`));
      informer.on("update", (o) => seen.push(`update ${o.metadata?.name}`));
      informer.on("delete", (o) => seen.push(`delete ${o.metadata?.name}`));
      fake.create(pod("a", "before"));
      await withTimeout(informer.start(), "the informer to start");
      try {
        fake.create(pod("a", "after"));
        fake.update(pod("a", "after", { labels: { changed: "yes" } }));
        fake.delete({ apiVersion: "v1", kind: "Pod", namespace: "a", name: "before" });
        await waitFor(() => seen.length === 4, "four informer events");
        assert.deepEqual(seen, ["add before", "add after", "update after", "delete before"]);
        assert.deepEqual(informer.list().map((o) => o.metadata?.name), ["after"]);
      } finally {
        await informer.stop();
      }
    });
  });

  describe("PATCH", () => {
    const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
    const strategicPatch = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);

    test("applies a merge patch to pod labels and annotations, null deleting a key", async () => {
      fake.create(pod("a", "p", { labels: { keep: "1", drop: "2" }, annotations: { note: "old" } }));
      const patched = await core.patchNamespacedPod(
        { namespace: "a", name: "p", body: { metadata: { labels: { drop: null, added: "3" }, annotations: { note: "new" } } } },
        mergePatch,
      );
      assert.deepEqual(patched.metadata?.labels, { keep: "1", added: "3" });
      assert.deepEqual(patched.metadata?.annotations, { note: "new" });
      assert.equal(fake.requests.at(-1)?.contentType, "application/merge-patch+json");
      assert.deepEqual(at(fake.get({ apiVersion: "v1", kind: "Pod", namespace: "a", name: "p" }), "metadata.labels"), { keep: "1", added: "3" });
    });

    test("applies a strategic merge patch made of maps", async () => {
      fake.create(pod("a", "p", { labels: { drop: "2" } }));
      const patched = await core.patchNamespacedPod({ namespace: "a", name: "p", body: { metadata: { labels: { drop: null, x: "y" } } } }, strategicPatch);
      assert.deepEqual(patched.metadata?.labels, { x: "y" });
    });

    test("refuses a strategic merge patch with a list, which this fake does not implement", async () => {
      fake.create(pod("a", "p"));
      const error = await apiError(
        core.patchNamespacedPod({ namespace: "a", name: "p", body: { spec: { containers: [{ name: "app", image: "x" }] } } }, strategicPatch),
      );
      assert.equal(error.code, 422);
    });

    test("writes nothing for a patch that changes nothing", async () => {
      fake.create(pod("a", "p", { labels: { same: "1" } }));
      const before = fake.resourceVersion;
      const recorded = await watch("/api/v1/pods", { resourceVersion: String(before) });
      const patched = await core.patchNamespacedPod({ namespace: "a", name: "p", body: { metadata: { labels: { same: "1", absent: null } } } }, mergePatch);
      assert.equal(patched.metadata?.resourceVersion, String(before));
      assert.equal(fake.resourceVersion, before);
      fake.create(pod("a", "marker"));
      await waitFor(() => recorded.events.length > 0, "the marker event");
      assert.deepEqual(recorded.types(), ["ADDED marker"]);
    });

    test("refuses a patch whose resourceVersion precondition is stale with 409 Conflict", async () => {
      const created = fake.create(pod("a", "p"));
      fake.update(pod("a", "p", { labels: { moved: "on" } }));
      const error = await apiError(
        core.patchNamespacedPod(
          { namespace: "a", name: "p", body: { metadata: { resourceVersion: String(at(created, "metadata.resourceVersion")), labels: { x: "y" } } } },
          mergePatch,
        ),
      );
      assert.equal(error.code, 409);
    });

    test("refuses JSON patches with 415 Unsupported Media Type", async () => {
      fake.create(pod("a", "p"));
      const error = await apiError(core.patchNamespacedPod({ namespace: "a", name: "p", body: [{ op: "add", path: "/metadata/labels/x", value: "y" }] }));
      assert.equal(error.code, 415);
    });
  });

  describe("access and test controls", () => {
    test("requires the bearer token when one is set", async () => {
      await fake.close();
      fake = await FakeKubeApiServer.start({ token: "sesame" });
      const wrong = fake.kubeConfig({ token: "guess" }).makeApiClient(CoreV1Api);
      assert.equal((await apiError(wrong.listPodForAllNamespaces())).code, 401);
      const right = fake.kubeConfig().makeApiClient(CoreV1Api);
      assert.deepEqual((await right.listPodForAllNamespaces()).items, []);
    });

    test("answers 503 to every request while made unavailable", async () => {
      fake.setAvailable(false);
      assert.equal((await apiError(core.listPodForAllNamespaces())).code, 503);
      fake.setAvailable(true);
      assert.deepEqual((await core.listPodForAllNamespaces()).items, []);
    });

    test("refuses chosen requests with the status asked for", async () => {
      fake.setRefusal({ matches: (r) => r.path.endsWith("/kritisconfigs"), code: 404 });
      assert.equal((await apiError(custom.listClusterCustomObject({ group, version, plural: "kritisconfigs" }))).code, 404);
      assert.deepEqual(itemsOf(await custom.listClusterCustomObject({ group, version, plural: "attestationauthorities" })), []);
      fake.setRefusal(undefined);
      assert.deepEqual(itemsOf(await custom.listClusterCustomObject({ group, version, plural: "kritisconfigs" })), []);
    });

    test("counts the requests it receives, watches included", async () => {
      await core.listPodForAllNamespaces();
      const recorded = await watch("/api/v1/pods", { resourceVersion: String(fake.resourceVersion) });
      await fake.waitUntil(() => fake.openWatches === 1, "the watch to open");
      recorded.stop();
      assert.equal(fake.requestCount((r) => r.path === "/api/v1/pods" && !r.watch), 1);
      assert.equal(fake.requestCount((r) => r.path === "/api/v1/pods" && r.watch), 1);
    });

    test("serves HTTPS that client-node verifies against the CA in the kubeconfig", async () => {
      await fake.close();
      const tls = await generateWebhookCertificates({ service: "kubernetes", namespace: "default", ipAddresses: ["127.0.0.1"] });
      fake = await FakeKubeApiServer.start({ tls: { cert: tls.certificatePem, key: tls.privateKeyPem, ca: tls.caCertificatePem } });
      assert.match(fake.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      fake.create(pod("a", "secure"));
      const list = await fake.kubeConfig().makeApiClient(CoreV1Api).listPodForAllNamespaces();
      assert.deepEqual(list.items.map((p) => p.metadata?.name), ["secure"]);
    });

    test("is refused over HTTPS by a client that trusts another CA", async () => {
      await fake.close();
      const tls = await generateWebhookCertificates({ service: "kubernetes", namespace: "default", ipAddresses: ["127.0.0.1"] });
      const other = await generateWebhookCertificates({ service: "kubernetes", namespace: "default", ipAddresses: ["127.0.0.1"] });
      fake = await FakeKubeApiServer.start({ tls: { cert: tls.certificatePem, key: tls.privateKeyPem, ca: other.caCertificatePem } });
      await assert.rejects(fake.kubeConfig().makeApiClient(CoreV1Api).listPodForAllNamespaces());
      assert.equal(fake.requestCount(), 0);
    });
  });
});
