/**
 * Listing and marking pods. The API calls go to the FAKE Kubernetes API
 * server of test/support (a loopback test double, not a cluster).
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { V1Pod } from "@kubernetes/client-node";
import { ScribaError } from "../errors.js";
import { valueAt } from "../policy/crds/test-fixtures.js";
import { FakeKubeApiServer } from "../../test/support/fake-kube-apiserver.js";
import { pod } from "../../test/support/kube-objects.js";
import {
  PodClient,
  attestationMarkKey,
  defaultNotAttestedAnnotation,
  invalidImageSecPolicyMarkKey,
  podReviewPatch,
} from "./pod-client.js";

const attestation = attestationMarkKey;
const invalid = invalidImageSecPolicyMarkKey;

function podWith(labels: Record<string, string>, annotations: Record<string, string>): V1Pod {
  return { metadata: { name: "p", namespace: "prod", labels, annotations } };
}

describe("podReviewPatch", () => {
  test("marks an attested pod as attested", () => {
    assert.deepEqual(podReviewPatch(podWith({}, {}), { attestation: { attested: true } }), {
      metadata: { labels: { [attestation]: "attested" }, annotations: { [attestation]: "Previously attested." } },
    });
  });

  test("marks a pod without valid attestations with Kritis' sentence, or with the reason given", () => {
    assert.deepEqual(podReviewPatch(podWith({}, {}), { attestation: { attested: false } }), {
      metadata: { labels: { [attestation]: "notAttested" }, annotations: { [attestation]: defaultNotAttestedAnnotation } },
    });
    assert.equal(
      podReviewPatch(podWith({}, {}), { attestation: { attested: false, reason: "not attested by qa" } })?.metadata.annotations?.[attestation],
      "not attested by qa",
    );
  });

  test("marks vulnerability violations with the CVE count followed by the other reasons", () => {
    const patch = podReviewPatch(podWith({}, {}), { violations: { cveCount: 3, reasons: ["registry.example/app:1.0 is not pinned by digest"] } });
    assert.deepEqual(patch, {
      metadata: {
        labels: { [invalid]: "invalidImageSecPolicy" },
        annotations: { [invalid]: "found 3 CVEs, registry.example/app:1.0 is not pinned by digest" },
      },
    });
  });

  test("removes every stale mark from a pod that now passes", () => {
    const stale = podWith(
      { [attestation]: "notAttested", [invalid]: "invalidImageSecPolicy" },
      { [attestation]: defaultNotAttestedAnnotation, [invalid]: "found 2 CVEs" },
    );
    assert.deepEqual(podReviewPatch(stale, { violations: { cveCount: 0 } }), {
      metadata: { labels: { [attestation]: null, [invalid]: null }, annotations: { [attestation]: null, [invalid]: null } },
    });
  });

  test("patches only the keys whose value differs, and never other labels or annotations", () => {
    const current = podWith(
      { app: "web", [attestation]: "attested", [invalid]: "invalidImageSecPolicy" },
      { owner: "team-a", [attestation]: "Previously attested.", [invalid]: "found 1 CVEs" },
    );
    assert.deepEqual(podReviewPatch(current, { attestation: { attested: true }, violations: { cveCount: 2 } }), {
      metadata: { annotations: { [invalid]: "found 2 CVEs" } },
    });
  });

  test("has nothing to patch when the pod is already marked as the outcome says", () => {
    const marked = podWith({ [attestation]: "attested" }, { [attestation]: "Previously attested." });
    assert.equal(podReviewPatch(marked, { attestation: { attested: true } }), undefined);
    assert.equal(podReviewPatch(podWith({ app: "web" }, {}), {}), undefined);
  });
});

describe("PodClient (against the fake API server)", () => {
  let fake: FakeKubeApiServer;
  let client: PodClient;

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start();
    client = new PodClient(fake.kubeConfig(), { pageSize: 2 });
  });

  afterEach(async () => {
    await fake.close();
  });

  test("lists the pods of every namespace page by page", async () => {
    for (const [ns, name] of [["a", "p1"], ["a", "p2"], ["b", "p3"], ["c", "p4"], ["c", "p5"]] as const) fake.create(pod(ns, name));
    const pods = await client.listPods();
    assert.deepEqual(pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`), ["a/p1", "a/p2", "b/p3", "c/p4", "c/p5"]);
    assert.equal(fake.requestCount((r) => r.path === "/api/v1/pods" && r.query["limit"] === "2"), 3);
  });

  test("lists the pods of one namespace that match a label selector", async () => {
    fake.create(pod("a", "flagged", { labels: { [invalid]: "invalidImageSecPolicy" } }));
    fake.create(pod("a", "clean"));
    fake.create(pod("b", "flagged-elsewhere", { labels: { [invalid]: "invalidImageSecPolicy" } }));
    const pods = await client.listPods({ namespace: "a", labelSelector: `${invalid}=invalidImageSecPolicy` });
    assert.deepEqual(pods.map((p) => p.metadata?.name), ["flagged"]);
  });

  test("starts a listing over when its continue token expires mid-way", async () => {
    for (const name of ["p1", "p2", "p3"]) fake.create(pod("a", name));
    let expired = false;
    fake.setRefusal({
      matches: (r) => {
        if (expired || r.query["continue"] === undefined) return false;
        expired = true;
        return true;
      },
      code: 410,
    });
    const pods = await client.listPods();
    assert.deepEqual(pods.map((p) => p.metadata?.name), ["p1", "p2", "p3"]);
    assert.equal(fake.requestCount((r) => r.path === "/api/v1/pods" && r.query["continue"] === undefined), 2);
  });

  test("fails with UNAVAILABLE when pods cannot be listed", async () => {
    fake.setRefusal({ matches: () => true, code: 403 });
    await assert.rejects(
      client.listPods({ namespace: "a" }),
      (e: unknown) => e instanceof ScribaError && e.code === "UNAVAILABLE" && /namespace a.*may this identity list pods/.test(e.message),
    );
  });

  test("patches a pod with a merge patch that sets its marks and clears stale ones, and nothing else", async () => {
    fake.create(pod("prod", "web", { labels: { app: "web", [invalid]: "invalidImageSecPolicy" }, annotations: { [invalid]: "found 4 CVEs" } }));
    const [listed] = await client.listPods({ namespace: "prod" });
    const result = await client.setPodReviewLabels(listed!, { attestation: { attested: true } });
    assert.equal(result.result, "patched");
    const stored = fake.get({ apiVersion: "v1", kind: "Pod", namespace: "prod", name: "web" });
    assert.deepEqual(valueAt(stored, "metadata.labels"), { app: "web", [attestation]: "attested" });
    assert.deepEqual(valueAt(stored, "metadata.annotations"), { [attestation]: "Previously attested." });
    const patches = fake.requests.filter((r) => r.method === "PATCH");
    assert.deepEqual(patches.map((r) => [r.path, r.contentType]), [["/api/v1/namespaces/prod/pods/web", "application/merge-patch+json"]]);
    assert.deepEqual(fake.requests.map((r) => r.method).filter((m) => m !== "GET" && m !== "PATCH"), []);
  });

  test("sends no request when the pod is already marked as the outcome says", async () => {
    fake.create(pod("prod", "web", { labels: { [attestation]: "notAttested" }, annotations: { [attestation]: defaultNotAttestedAnnotation } }));
    const [listed] = await client.listPods({ namespace: "prod" });
    const before = fake.requestCount();
    const result = await client.setPodReviewLabels(listed!, { attestation: { attested: false } });
    assert.equal(result.result, "unchanged");
    assert.equal(fake.requestCount(), before);
  });

  test("reports a pod deleted before it could be marked as gone", async () => {
    fake.create(pod("prod", "short-lived"));
    const [listed] = await client.listPods({ namespace: "prod" });
    fake.delete({ apiVersion: "v1", kind: "Pod", namespace: "prod", name: "short-lived" });
    const result = await client.setPodReviewLabels(listed!, { violations: { cveCount: 1 } });
    assert.equal(result.result, "gone");
  });

  test("fails with UNAVAILABLE, naming the pod, when the patch is refused", async () => {
    fake.create(pod("prod", "web"));
    const [listed] = await client.listPods({ namespace: "prod" });
    fake.setRefusal({ matches: (r) => r.method === "PATCH", code: 403 });
    await assert.rejects(
      client.setPodReviewLabels(listed!, { violations: { cveCount: 1 } }),
      (e: unknown) => e instanceof ScribaError && e.code === "UNAVAILABLE" && /prod\/web.*may this identity patch pods/.test(e.message),
    );
  });
});
