/**
 * The admission webhook as it runs in a cluster (admission/webhook-runtime),
 * over HTTPS as the API server calls it: live policies from the FAKE
 * Kubernetes API server of test/support (a loopback test double speaking
 * list/watch — there is no kube-apiserver here), readiness, metrics, and
 * deadlines against a metadata server that accepts connections and never
 * answers.
 */
import assert from "node:assert/strict";
import type { Server, Socket } from "node:net";
import { createServer } from "node:net";
import { after, afterEach, before, describe, test } from "node:test";
import { MetadataWorld, ecKeyPair, images } from "../../src/admission/__fixtures__/admission-world.js";
import { TestTls } from "../../src/admission/__fixtures__/test-tls.js";
import { unusedLoopbackUrl } from "../../src/cli/__fixtures__/cli-server.js";
import type { MetadataSource } from "../../src/admission/metadata-source.js";
import { fixedPolicies, watchedPolicies } from "../../src/admission/policy-provider.js";
import type { PolicyProvider } from "../../src/admission/policy-provider.js";
import { restMetadata } from "../../src/admission/rest-metadata.js";
import type { RunningAdmissionWebhook } from "../../src/admission/webhook-runtime.js";
import { startAdmissionWebhook } from "../../src/admission/webhook-runtime.js";
import { readTlsFiles } from "../../src/admission/webhook-server.js";
import { PolicyWatcher } from "../../src/kube/policy-watcher.js";
import { silentLogger } from "../../src/logging/logger.js";
import { withField } from "../../src/policy/crds/test-fixtures.js";
import { FakeKubeApiServer } from "../support/fake-kube-apiserver.js";
import { attestationAuthority, genericAttestationPolicy, kritisConfig } from "../support/kube-objects.js";
import { waitFor } from "../support/wait.js";
import { httpsCall, podCreateReview } from "../support/webhook-client.js";
import { authorityYaml, gapYaml, kritisConfigYaml, policySet } from "../../src/admission/__fixtures__/admission-world.js";

let tls: TestTls;
let world: MetadataWorld;
let webhook: RunningAdmissionWebhook | undefined;
let provider: PolicyProvider | undefined;

before(() => {
  tls = TestTls.create();
  world = new MetadataWorld();
});
after(async () => {
  await world.close();
  tls.remove();
});
afterEach(async () => {
  await webhook?.close();
  await provider?.stop();
  webhook = undefined;
  provider = undefined;
});

async function start(policies: PolicyProvider, metadata: MetadataSource, extra: Partial<Parameters<typeof startAdmissionWebhook>[0]> = {}) {
  provider = policies;
  webhook = await startAdmissionWebhook({
    listen: { host: "127.0.0.1", port: 0 },
    tls: readTlsFiles(tls.certFile, tls.keyFile),
    policies,
    metadata,
    logger: silentLogger,
    ...extra,
  });
  return webhook;
}

const validate = (url: string, body: string, timeout = "10s") => httpsCall(url, tls.ca, `/validate?timeout=${timeout}`, body);

describe("live policies from the Kubernetes API", () => {
  let fake: FakeKubeApiServer;
  before(async () => {
    fake = await FakeKubeApiServer.start();
  });
  after(() => fake.close());

  test("/readyz is 503 until the first list has arrived, then 200; a policy change applies to the next review", async () => {
    const refused = (path: string) => path.startsWith("/apis/kritis.grafeas.io/");
    fake.setRefusal({ matches: (r) => refused(r.path), code: 503 });
    const watcher = PolicyWatcher.start({ kubeConfig: fake.kubeConfig(), backoff: { initialMs: 5, maxMs: 40 } });
    const running = await start(watchedPolicies(watcher, "the fake API server", silentLogger), world.source);

    const before = await httpsCall(running.url, tls.ca, "/readyz");
    assert.equal(before.status, 503);
    assert.match(before.json?.checks?.["policies"] ?? "", /^waiting for the first list/);
    const early = await validate(running.url, podCreateReview("prod", "web", images.payment));
    assert.equal(early.json?.response?.allowed, false, "no policies yet: fail closed");
    assert.match(early.json?.response?.status?.message ?? "", /policies have not been read/);

    fake.setRefusal(undefined);
    await waitFor(() => watcher.isReady(), "the first list");
    await waitFor(() => fake.openWatches === 4, "the watches");
    const ready = await httpsCall(running.url, tls.ca, "/readyz");
    assert.equal(ready.status, 200, ready.text);
    assert.match(ready.json?.checks?.["metadata"] ?? "", /^reached in-process grafeas/);

    assert.equal((await validate(running.url, podCreateReview("prod", "web", images.payment))).json?.response?.allowed, true, "no policy in prod: allowed");
    const version = watcher.version;
    fake.create(attestationAuthority("prod"));
    fake.create(genericAttestationPolicy("prod"));
    await waitFor(() => watcher.version > version && watcher.current().namespaces.get("prod")?.genericAttestationPolicies.length === 1, "the policy to arrive");
    const denied = await validate(running.url, podCreateReview("prod", "web", images.payment));
    assert.equal(denied.json?.response?.allowed, false);
    assert.match(denied.json?.response?.status?.message ?? "", /No matched signatures for container image/);

    fake.delete({ apiVersion: "kritis.grafeas.io/v1beta1", kind: "GenericAttestationPolicy", namespace: "prod", name: "require-qa" });
    await waitFor(() => watcher.current().namespaces.get("prod")?.genericAttestationPolicies.length === 0, "the deletion to arrive");
    assert.equal((await validate(running.url, podCreateReview("prod", "web", images.payment))).json?.response?.allowed, true);
    assert.equal(running.metrics.policyVersion.get(), watcher.version);
  });

  test("a KritisConfig change (metadataFailurePolicy) applies without a restart", async () => {
    const watcher = PolicyWatcher.start({ kubeConfig: fake.kubeConfig(), backoff: { initialMs: 5, maxMs: 40 } });
    const down = restMetadata({ baseUrl: await unusedLoopbackUrl(), timeoutMs: 500 });
    const running = await start(watchedPolicies(watcher, "the fake API server", silentLogger), down);
    fake.apply(attestationAuthority("prod"));
    fake.apply(genericAttestationPolicy("prod"));
    await waitFor(() => watcher.isReady() && watcher.current().namespaces.get("prod")?.genericAttestationPolicies.length === 1, "the policy");
    assert.equal((await validate(running.url, podCreateReview("prod", "web", images.web))).json?.response?.allowed, false);
    fake.apply(withField(withField(kritisConfig(), "spec.metadataFailurePolicy", "Ignore"), "spec.noPolicyDefault", "ALLOW"));
    await waitFor(() => watcher.current().config.metadataFailurePolicy === "Ignore", "the config change");
    const admitted = await validate(running.url, podCreateReview("prod", "web", images.web));
    assert.equal(admitted.json?.response?.allowed, true);
    assert.match((admitted.json?.response?.warnings ?? []).join("\n"), /admitted without its metadata check/);
  });
});

describe("metrics", () => {
  test("/metrics exposes decisions by result and policy, latency, cache use and metadata calls in the Prometheus format", async () => {
    const qaKey = ecKeyPair();
    const policies = policySet(authorityYaml("qa", "prod", "projects/signing/notes/qa", [{ pkix: qaKey }]), gapYaml("require-qa", "prod", ["qa"]));
    await world.pkixAttestation("projects/signing/notes/qa", qaKey, images.web);
    const running = await start(fixedPolicies(policies, "test policies", silentLogger), world.source);
    await validate(running.url, podCreateReview("prod", "web", images.web));
    await validate(running.url, podCreateReview("prod", "web-2", images.web));
    await validate(running.url, podCreateReview("prod", "payment", images.payment));
    const metrics = await httpsCall(running.url, tls.ca, "/metrics");
    assert.equal(metrics.status, 200);
    assert.equal(metrics.contentType, "text/plain; version=0.0.4; charset=utf-8");
    const text = metrics.text;
    assert.match(text, /^scriba_admission_decisions_total\{decision="allow"\} 2$/m);
    assert.match(text, /^scriba_admission_decisions_total\{decision="deny"\} 1$/m);
    assert.match(text, /^scriba_admission_policy_decisions_total\{decision="deny",policy="GenericAttestationPolicy prod\/require-qa"\} 1$/m);
    assert.match(text, /^scriba_admission_review_duration_seconds_count\{decision="allow"\} 2$/m);
    assert.match(text, /^scriba_admission_review_duration_seconds_bucket\{decision="allow",le="\+Inf"\} 2$/m);
    assert.match(text, /^scriba_admission_cache_requests_total\{cache="metadata",result="hit"\} 1$/m);
    assert.match(text, /^scriba_admission_cache_requests_total\{cache="metadata",result="miss"\} 2$/m);
    assert.match(text, /^scriba_metadata_call_duration_seconds_count\{operation="noteOccurrences"\} 2$/m);
    assert.match(text, /^# TYPE scriba_admission_record_queue_depth gauge$/m);
  });
});

describe("deadlines: a metadata server that accepts connections and never answers", () => {
  let stall: Server;
  const sockets: Socket[] = [];
  let stallUrl: string;
  before(async () => {
    stall = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => stall.listen(0, "127.0.0.1", resolve));
    const address = stall.address() as { port: number };
    stallUrl = `http://127.0.0.1:${address.port}`;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => stall.close(() => resolve()));
  });

  const qaKey = ecKeyPair();
  const enforced = [authorityYaml("qa", "prod", "projects/signing/notes/qa", [{ pkix: qaKey }]), gapYaml("require-qa", "prod", ["qa"])];

  test("the webhook denies, saying why, well inside the API server's timeout", async () => {
    const running = await start(fixedPolicies(policySet(...enforced), "test policies", silentLogger), restMetadata({ baseUrl: stallUrl }));
    const reply = await validate(running.url, podCreateReview("prod", "web", images.web), "3s");
    assert.ok(reply.elapsedMs < 3000, `answered after ${Math.round(reply.elapsedMs)} ms; the API server gives up at 3000 ms`);
    assert.equal(reply.json?.response?.allowed, false);
    assert.match(reply.json?.response?.status?.message ?? "", /could not be asked about .* did not answer within 1500 ms\), and the KritisConfig fails closed/);
  });

  test("a KritisConfig that fails open admits with a warning, as fast", async () => {
    const policies = policySet(...enforced, kritisConfigYaml({ metadataFailurePolicy: "Ignore" }));
    const running = await start(fixedPolicies(policies, "test policies", silentLogger), restMetadata({ baseUrl: stallUrl }));
    const reply = await validate(running.url, podCreateReview("prod", "web", images.web), "3s");
    assert.ok(reply.elapsedMs < 3000, `answered after ${Math.round(reply.elapsedMs)} ms`);
    assert.equal(reply.json?.response?.allowed, true);
    assert.match((reply.json?.response?.warnings ?? []).join("\n"), /admitted without its metadata check/);
  });

  test("records that cannot be written never hold an answer: they queue, then drop with a metric", async () => {
    const running = await start(fixedPolicies(policySet(), "no policies", silentLogger), restMetadata({ baseUrl: stallUrl, timeoutMs: 60_000 }), {
      records: { cluster: "test", audit: { project: "scriba-audit" }, deployments: { project: "scriba-deployments", platform: "CUSTOM" }, queueCapacity: 2 },
    });
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await validate(running.url, podCreateReview("prod", `web-${i}`, images.web), "3s"));
    assert.ok(replies.every((r) => r.json?.response?.allowed === true));
    assert.ok(replies.every((r) => r.elapsedMs < 3000));
    assert.ok(running.metrics.records.get({ type: "audit", result: "dropped-queue-full" }) + running.metrics.records.get({ type: "deployment", result: "dropped-queue-full" }) > 0);
    const ready = await httpsCall(running.url, tls.ca, "/readyz");
    assert.equal(ready.status, 503, "never reached: not ready");
    assert.match(ready.json?.checks?.["metadata"] ?? "", /^not reached yet/);
  });
});
