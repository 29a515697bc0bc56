/**
 * The background re-check of running Pods. Pods live in the FAKE Kubernetes
 * API server of test/support (a loopback test double speaking list and
 * patch; there is no kube-apiserver here); metadata lives in a real
 * GrafeasService over the memory store.
 */
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { FakeKubeApiServer } from "../../../test/support/fake-kube-apiserver.js";
import { ScribaError } from "../../errors.js";
import { PodClient, attestationMarkKey, invalidImageSecPolicyMarkKey } from "../../kube/pod-client.js";
import type { JsonObject } from "../../policy/crds/field-reader.js";
import type { PolicySet } from "../../policy/policy-set.js";
import { MetadataWorld, authorityYaml, ecKeyPair, gapYaml, images, ispYaml, policySet } from "../__fixtures__/admission-world.js";
import { decorateMetadataSource } from "../metadata-source.js";
import { createDecisionRecorder } from "../records/decision-recorder.js";
import { RecordQueue } from "../records/record-queue.js";
import { createRecheck } from "./recheck-runner.js";

const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
const shopPolicies = [authorityYaml("qa", "shop", qaNote, [{ pkix: qaKey }]), gapYaml("require-qa", "shop", ["qa"]), ispYaml("no-high", "shop", { maximumSeverity: "MEDIUM" })];

let fake: FakeKubeApiServer;
let world: MetadataWorld;
let policies: PolicySet;
let metadataDown: boolean;
let queue: RecordQueue;

function runningPod(namespace: string, name: string, image: string, extra: JsonObject = {}): JsonObject {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace }, spec: { containers: [{ name: "app", image }] }, status: { phase: "Running" }, ...extra };
}

function marks(namespace: string, name: string): { labels: Record<string, string>; annotations: Record<string, string> } {
  const stored = fake.get({ apiVersion: "v1", kind: "Pod", namespace, name }) as { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } };
  const pick = (map: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(map ?? {}).filter(([key]) => key.startsWith("kritis.grafeas.io/")));
  return { labels: pick(stored.metadata.labels), annotations: pick(stored.metadata.annotations) };
}

function recheck(options: { deployments?: boolean } = {}) {
  const metadata = decorateMetadataSource(world.source, {
    noteOccurrences: (note, uris, call) =>
      metadataDown ? Promise.reject(new ScribaError("UNAVAILABLE", "the metadata server is down")) : world.source.noteOccurrences(note, uris, call),
  });
  return createRecheck({
    policies: () => policies,
    metadata,
    pods: new PodClient(fake.kubeConfig()),
    recorder: createDecisionRecorder({ metadata, queue, cluster: "prod-eu", audit: { project: "scriba-audit" } }),
    deployments: options.deployments === true ? { project: "scriba-deployments", cluster: "prod-eu" } : undefined,
  })();
}

beforeEach(async () => {
  fake = await FakeKubeApiServer.start();
  world = new MetadataWorld();
  policies = policySet(...shopPolicies);
  metadataDown = false;
  queue = new RecordQueue();
});

afterEach(async () => {
  await queue.close();
  await world.close();
  await fake.close();
});

describe("the re-check of running pods", () => {
  test("marks a pod without attestations, then clears the mark once it is attested", async () => {
    fake.create(runningPod("shop", "web", images.web));
    const first = await recheck();
    assert.equal(first.noncompliant, 1);
    assert.equal(marks("shop", "web").labels[attestationMarkKey], "notAttested");
    assert.match(marks("shop", "web").annotations[attestationMarkKey] ?? "", /No matched signatures for container image: gcr\.io\/acme\/web@sha256:/);

    await world.pkixAttestation(qaNote, qaKey, images.web);
    const second = await recheck();
    assert.equal(second.compliant, 1);
    assert.equal(second.patched, 1);
    assert.deepEqual(marks("shop", "web"), {
      labels: { [attestationMarkKey]: "attested" },
      annotations: { [attestationMarkKey]: "Previously attested." },
    });
  });

  test("sets the vulnerability mark, and removes it when the finding no longer exceeds the policy", async () => {
    await world.pkixAttestation(qaNote, qaKey, images.web);
    await world.vulnerability(images.web, "CVE-2024-1111", "HIGH");
    fake.create(runningPod("shop", "web", images.web));
    await recheck();
    assert.equal(marks("shop", "web").labels[invalidImageSecPolicyMarkKey], "invalidImageSecPolicy");
    assert.equal(marks("shop", "web").annotations[invalidImageSecPolicyMarkKey], "found 1 CVEs");

    policies = policySet(shopPolicies[0]!, shopPolicies[1]!, ispYaml("no-high", "shop", { maximumSeverity: "HIGH" }));
    await recheck();
    assert.equal(marks("shop", "web").labels[invalidImageSecPolicyMarkKey], undefined);
    assert.equal(marks("shop", "web").annotations[invalidImageSecPolicyMarkKey], undefined);
  });

  test("judges vulnerabilities even when the image carries the policy's attestation", async () => {
    const vouched = authorityYaml("vulnz-checked", "shop", "projects/image-signing/notes/vulnz", [{ pkix: qaKey }]);
    policies = policySet(vouched, ispYaml("no-high", "shop", { maximumSeverity: "MEDIUM", attestationAuthorityName: "vulnz-checked" }));
    await world.pkixAttestation("projects/image-signing/notes/vulnz", qaKey, images.web);
    await world.vulnerability(images.web, "CVE-2024-2222", "CRITICAL");
    fake.create(runningPod("shop", "web", images.web));
    await recheck();
    assert.equal(marks("shop", "web").labels[invalidImageSecPolicyMarkKey], "invalidImageSecPolicy");
  });

  test("judges each pod only against the policies of its own namespace", async () => {
    await world.vulnerability(images.sidecar, "CVE-2024-3333", "CRITICAL");
    fake.create(runningPod("staging", "proxy", images.sidecar));
    const summary = await recheck();
    assert.equal(summary.compliant, 1);
    assert.deepEqual(marks("staging", "proxy"), { labels: {}, annotations: {} }, "shop's policies do not apply in staging");
  });

  test("leaves the marks alone when the metadata server cannot be asked", async () => {
    fake.create(runningPod("shop", "web", images.web, { metadata: { name: "web", namespace: "shop", labels: { [attestationMarkKey]: "attested" } } }));
    metadataDown = true;
    const summary = await recheck();
    assert.equal(summary.unjudged, 1);
    assert.equal(marks("shop", "web").labels[attestationMarkKey], "attested");
  });

  test("skips finished pods, and never deletes or evicts a pod", async () => {
    fake.create(runningPod("shop", "web", images.web));
    fake.create(runningPod("shop", "job-done", images.web, { status: { phase: "Succeeded" } }));
    const summary = await recheck();
    assert.equal(summary.pods, 1);
    assert.equal(summary.skippedFinished, 1);
    assert.deepEqual(marks("shop", "job-done"), { labels: {}, annotations: {} });
    assert.equal(fake.requestCount((r) => r.method === "DELETE" || r.path.endsWith("/eviction")), 0);
    assert.ok(fake.requestCount((r) => r.method === "PATCH") >= 1);
    assert.deepEqual(
      [...new Set(fake.requests.map((r) => r.method))].sort(),
      ["GET", "PATCH"],
    );
  });

  test("records an audit occurrence for a noncompliant pod, and one when its marks are cleared", async () => {
    fake.create(runningPod("shop", "web", images.web));
    await recheck();
    await queue.idle();
    const noncompliant = await world.source.listOccurrences("scriba-audit", `noteName="projects/scriba-audit/notes/shop.recheck-noncompliant"`);
    assert.equal(noncompliant.length, 1);
    await world.pkixAttestation(qaNote, qaKey, images.web);
    await recheck();
    await recheck();
    await queue.idle();
    const cleared = await world.source.listOccurrences("scriba-audit", `noteName="projects/scriba-audit/notes/shop.recheck-compliant"`);
    assert.equal(cleared.length, 1, "one record when the marks changed, none for the pass after");
  });
});

describe("closing deployment records", () => {
  async function deployed(pod: string, uid: string, image: string, deployTime: string): Promise<string> {
    await world.source.createNote("scriba-deployments", "prod-eu", { deployment: { resourceUri: ["kubernetes://prod-eu"] } });
    const stored = (await world.source.createOccurrence("scriba-deployments", {
      resourceUri: `https://${image}`,
      noteName: "projects/scriba-deployments/notes/prod-eu",
      deployment: {
        deployTime,
        config: JSON.stringify({ namespace: "shop", pod, uid, container: "spec.containers[0]", image }),
        resourceUri: [`https://${image}`],
      },
    })) as { name: string };
    return stored.name;
  }

  async function undeployTimeOf(name: string): Promise<unknown> {
    const [found] = await world.source.listOccurrences("scriba-deployments", `name="${name}"`);
    return (found as { deployment?: { undeployTime?: unknown } }).deployment?.undeployTime;
  }

  test("a gone pod's occurrence gets its undeployTime; a running pod's, and a fresh one's, stay open", async () => {
    await world.pkixAttestation(qaNote, qaKey, images.web);
    const running = fake.create(runningPod("shop", "web", images.web)) as { metadata: { uid: string } };
    const hourAgo = new Date(Date.now() - 3600_000).toISOString();
    const stillRunning = await deployed("web", running.metadata.uid, images.web, hourAgo);
    const gone = await deployed("old-web", "uid-of-a-deleted-pod", images.web, hourAgo);
    const recreated = await deployed("web", "uid-of-an-earlier-pod-named-web", images.web, hourAgo);
    const fresh = await deployed("starting", "uid-not-listed-yet", images.web, new Date().toISOString());

    const summary = await recheck({ deployments: true });
    assert.deepEqual(summary.undeploy, { open: 4, undeployed: 2, failed: 0 });
    assert.equal(await undeployTimeOf(stillRunning), undefined);
    assert.match(String(await undeployTimeOf(gone)), /^\d{4}-/);
    assert.match(String(await undeployTimeOf(recreated)), /^\d{4}-/);
    assert.equal(await undeployTimeOf(fresh), undefined);
  });
});
