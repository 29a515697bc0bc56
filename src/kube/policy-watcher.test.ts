/**
 * The policy watcher against the FAKE Kubernetes API server of
 * test/support (a loopback test double that speaks list/watch; there is no
 * real cluster here).
 */
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ScribaError } from "../errors.js";
import { withField } from "../policy/crds/test-fixtures.js";
import { generateWebhookCertificates } from "../tls/webhook-certificates.js";
import type { PolicySet } from "../policy/policy-set.js";
import { policiesForNamespace } from "../policy/policy-set.js";
import { FakeKubeApiServer } from "../../test/support/fake-kube-apiserver.js";
import type { RecordedRequest } from "../../test/support/fake-kube-apiserver.js";
import {
  attestationAuthority,
  genericAttestationPolicy,
  imageSecurityPolicy,
  kritisConfig,
} from "../../test/support/kube-objects.js";
import { waitFor, withTimeout } from "../../test/support/wait.js";
import { PolicyWatcher } from "./policy-watcher.js";

const apiVersion = "kritis.grafeas.io/v1beta1";
const fastRetries = { initialMs: 5, maxMs: 40 };

const isPolicyList = (r: RecordedRequest) => r.method === "GET" && !r.watch && r.path.startsWith("/apis/kritis.grafeas.io/");

function names(set: PolicySet, namespace: string) {
  const view = policiesForNamespace(set, namespace);
  return {
    gaps: view.genericAttestationPolicies.map((g) => g.policy.name),
    isps: view.imageSecurityPolicies.map((i) => i.policy.name),
    problems: view.problems.map((p) => p.message),
  };
}

describe("PolicyWatcher (against the fake API server)", () => {
  let fake: FakeKubeApiServer;
  let watcher: PolicyWatcher | undefined;

  beforeEach(async () => {
    fake = await FakeKubeApiServer.start();
  });

  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    await fake.close();
  });

  const start = async (options: { pageSize?: number } = {}) => {
    watcher = PolicyWatcher.start({ kubeConfig: fake.kubeConfig(), backoff: fastRetries, ...options });
    await withTimeout(watcher.ready, "the watcher to be ready");
    // Every kind's watch is open, so later changes arrive as events.
    await fake.waitUntil(() => fake.openWatches === 4, "four open watches");
    return watcher;
  };

  /** Waits until the current set satisfies `check`. */
  const until = (check: (set: PolicySet) => boolean, what: string) =>
    waitFor(() => watcher !== undefined && watcher.isReady() && check(watcher.current()), what);

  describe("readiness", () => {
    test("is not ready, and has no policy set, until the first list of every kind has arrived", async () => {
      fake.create(imageSecurityPolicy("prod"));
      // As if the KritisConfig CRD were not installed yet.
      fake.setRefusal({ matches: (r) => r.path.endsWith("/kritisconfigs"), code: 404 });
      watcher = PolicyWatcher.start({ kubeConfig: fake.kubeConfig(), backoff: fastRetries });
      await fake.waitUntil(
        () => fake.requestCount((r) => r.path.endsWith("/kritisconfigs") && r.status === 404) >= 2 && fake.openWatches === 3,
        "the other kinds listed and watched, and kritisconfigs refused twice",
      );
      assert.equal(watcher.isReady(), false);
      assert.equal(watcher.version, 0);
      assert.throws(() => watcher!.current(), (e: unknown) => e instanceof ScribaError && e.code === "UNAVAILABLE");

      fake.setRefusal(undefined);
      await withTimeout(watcher.ready, "the watcher to be ready");
      assert.equal(watcher.isReady(), true);
      assert.equal(watcher.version, 1);
      assert.deepEqual(names(watcher.current(), "prod").isps, ["no-high-fixable"]);
    });

    test("is ready with an empty policy set when the cluster has no policies", async () => {
      const ready = await start();
      assert.equal(ready.current().namespaces.size, 0);
      assert.equal(ready.current().configValid, true);
    });

    test("reads every page of a paginated list before it is ready", async () => {
      for (const ns of ["a", "b", "c", "d", "e"]) fake.create(attestationAuthority(ns));
      const ready = await start({ pageSize: 2 });
      assert.deepEqual([...ready.current().namespaces.keys()].sort(), ["a", "b", "c", "d", "e"]);
      assert.equal(fake.requestCount((r) => r.path.endsWith("/attestationauthorities") && !r.watch && r.query["continue"] !== undefined), 2);
    });

    test("rejects ready when stopped before the first lists arrived", async () => {
      fake.setAvailable(false);
      const early = PolicyWatcher.start({ kubeConfig: fake.kubeConfig(), backoff: fastRetries });
      await fake.waitUntil(() => fake.requestCount() >= 4, "the first attempts");
      await early.stop();
      await assert.rejects(early.ready, (e: unknown) => e instanceof ScribaError && e.code === "CANCELLED");
    });
  });

  describe("following changes", () => {
    test("follows policies added, changed and deleted, without a restart", async () => {
      fake.create(attestationAuthority("prod"));
      fake.create(genericAttestationPolicy("prod"));
      await start();
      assert.deepEqual(names(watcher!.current(), "prod").gaps, ["require-qa"]);

      fake.create(imageSecurityPolicy("prod"));
      await until((set) => names(set, "prod").isps.length === 1, "the new ImageSecurityPolicy");

      fake.update(withField(imageSecurityPolicy("prod"), "spec.packageVulnerabilityRequirements.maximumSeverity", "LOW"));
      await until(
        (set) => policiesForNamespace(set, "prod").imageSecurityPolicies[0]?.policy.packageVulnerabilityRequirements.maximumSeverity === "LOW",
        "the changed threshold",
      );

      fake.delete({ apiVersion, kind: "GenericAttestationPolicy", namespace: "prod", name: "require-qa" });
      await until((set) => names(set, "prod").gaps.length === 0, "the deleted GenericAttestationPolicy to go");
      assert.deepEqual(names(watcher!.current(), "prod").problems, []);
    });

    test("follows the cluster-scoped KritisConfig", async () => {
      const ready = await start();
      assert.equal(ready.current().config.noPolicyDefault, "ALLOW");
      fake.create(kritisConfig());
      await until((set) => set.config.noPolicyDefault === "DENY", "the KritisConfig to apply");
      fake.delete({ apiVersion, kind: "KritisConfig", name: "kritis-config" });
      await until((set) => set.config.noPolicyDefault === "ALLOW", "the defaults to return");
    });

    test("bumps the version by one for each change of the policy set", async () => {
      const ready = await start();
      assert.equal(ready.version, 1);
      fake.create(attestationAuthority("prod"));
      await waitFor(() => ready.version === 2, "version 2");
      fake.delete({ apiVersion, kind: "AttestationAuthority", namespace: "prod", name: "qa" });
      await waitFor(() => ready.version === 3, "version 3");
      assert.equal(ready.current().namespaces.has("prod"), false);
    });

    test("keeps the version when a re-list finds nothing but bookkeeping changed", async () => {
      fake.create(attestationAuthority("prod"));
      const ready = await start();
      const lists = fake.requestCount(isPolicyList);
      fake.setAvailable(false);
      fake.breakWatches();
      // Only managedFields (and so resourceVersion) moves: no decision can change.
      fake.update(withField(attestationAuthority("prod"), "metadata.managedFields", [{ manager: "kubectl", operation: "Update" }]));
      fake.compact();
      fake.setAvailable(true);
      await fake.waitUntil(() => fake.requestCount(isPolicyList) >= lists + 4 && fake.openWatches === 4, "every kind listed and watched again");
      assert.equal(ready.version, 1);
      fake.create(attestationAuthority("dev"));
      await waitFor(() => ready.version === 2, "a real change to bump it");
    });

    test("calls change listeners with each new set and version until unsubscribed", async () => {
      const ready = await start();
      const seen: number[] = [];
      const unsubscribe = ready.onChange((set, version) => {
        assert.equal(set, ready.current());
        seen.push(version);
      });
      fake.create(attestationAuthority("prod"));
      await waitFor(() => seen.length === 1, "the first notification");
      unsubscribe();
      fake.create(attestationAuthority("dev"));
      await waitFor(() => ready.version === 3, "version 3");
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(seen, [2]);
    });
  });

  describe("invalid policies", () => {
    test("records an invalid object as a problem that fails its namespace closed, and drops it once the object is fixed", async () => {
      fake.create(attestationAuthority("dev"));
      const ready = await start();
      fake.create(withField(imageSecurityPolicy("prod"), "spec.packageVulnerabilityRequirements.maximumSeverity", "EXTREME"));
      await until((set) => names(set, "prod").problems.length === 1, "the problem to be recorded");
      const [problem] = names(ready.current(), "prod").problems;
      assert.match(problem!, /\/apis\/kritis\.grafeas\.io\/v1beta1\/namespaces\/prod\/imagesecuritypolicies\/no-high-fixable/);
      assert.match(problem!, /spec\.packageVulnerabilityRequirements\.maximumSeverity/);
      assert.deepEqual(names(ready.current(), "dev").problems, []);

      fake.update(imageSecurityPolicy("prod"));
      await until((set) => names(set, "prod").problems.length === 0, "the problem to go");
      assert.deepEqual(names(ready.current(), "prod").isps, ["no-high-fixable"]);
    });

    test("names both objects when there is more than one KritisConfig, and fails every namespace closed", async () => {
      fake.create(kritisConfig("first"));
      fake.create(kritisConfig("second"));
      const ready = await start();
      assert.equal(ready.current().configValid, false);
      const [problem] = names(ready.current(), "anywhere").problems;
      assert.match(problem!, /kritisconfigs\/first.*kritisconfigs\/second/);
    });
  });

  describe("connection trouble", () => {
    test("resumes a watch broken mid-stream and catches up with the changes made while it was down, without listing again", async () => {
      fake.create(attestationAuthority("prod"));
      fake.create(genericAttestationPolicy("prod"));
      const ready = await start();
      const lists = fake.requestCount(isPolicyList);

      fake.setAvailable(false);
      assert.equal(fake.breakWatches(), 4);
      await fake.waitUntil(() => fake.requestCount((r) => r.watch && r.status === 503) >= 2, "reconnection attempts to be refused");
      fake.create(imageSecurityPolicy("prod"));
      fake.delete({ apiVersion, kind: "GenericAttestationPolicy", namespace: "prod", name: "require-qa" });
      fake.create(kritisConfig());
      assert.equal(names(ready.current(), "prod").isps.length, 0, "nothing can arrive while the server is down");

      fake.setAvailable(true);
      await until(
        (set) => names(set, "prod").isps.length === 1 && names(set, "prod").gaps.length === 0 && set.config.noPolicyDefault === "DENY",
        "every change made while down",
      );
      assert.equal(fake.requestCount(isPolicyList), lists, "resumed from the last resourceVersion, not re-listed");
    });

    test("lists again when the history it would resume from was compacted (410), and catches up", async () => {
      fake.create(attestationAuthority("prod"));
      fake.create(genericAttestationPolicy("prod"));
      const ready = await start();
      const lists = fake.requestCount(isPolicyList);

      fake.setAvailable(false);
      fake.breakWatches();
      fake.delete({ apiVersion, kind: "GenericAttestationPolicy", namespace: "prod", name: "require-qa" });
      fake.create(imageSecurityPolicy("prod"));
      fake.compact();
      fake.setAvailable(true);

      await fake.waitUntil(() => fake.requestCount(isPolicyList) >= lists + 4 && fake.openWatches === 4, "every kind listed and watched again");
      await until((set) => names(set, "prod").gaps.length === 0 && names(set, "prod").isps.length === 1, "the changes");
      assert.equal(ready.isReady(), true);
    });

    test("lists again when an open watch is expired with a 410 ERROR event, and keeps following changes", async () => {
      await start();
      const lists = fake.requestCount(isPolicyList);
      assert.equal(fake.expireWatches(), 4);
      await fake.waitUntil(() => fake.requestCount(isPolicyList) === lists + 4 && fake.openWatches === 4, "every kind listed and watched again");
      fake.create(imageSecurityPolicy("prod"));
      await until((set) => names(set, "prod").isps.length === 1, "a change after the re-list");
    });

    test("keeps the last policy set while the API server cannot be reached", async () => {
      fake.create(imageSecurityPolicy("prod"));
      const ready = await start();
      const version = ready.version;
      fake.setAvailable(false);
      fake.breakWatches();
      await fake.waitUntil(() => fake.requestCount((r) => r.status === 503) >= 8, "several failed attempts");
      assert.equal(ready.isReady(), true);
      assert.deepEqual(names(ready.current(), "prod").isps, ["no-high-fixable"]);
      assert.equal(ready.version, version);
    });

    test("lists and watches over HTTPS with a bearer token, as from a pod", async () => {
      const tls = await generateWebhookCertificates({ service: "kubernetes", namespace: "default", ipAddresses: ["127.0.0.1"] });
      await fake.close();
      fake = await FakeKubeApiServer.start({ tls: { cert: tls.certificatePem, key: tls.privateKeyPem, ca: tls.caCertificatePem }, token: "t0ken" });
      fake.create(attestationAuthority("prod"));
      await start();
      fake.create(imageSecurityPolicy("prod"));
      await until((set) => names(set, "prod").isps.length === 1, "the change over the secure watch");
      assert.equal(fake.requestCount((r) => r.status === 401), 0);
    });

    test("stops every watch when stopped", async () => {
      const ready = await start();
      await ready.stop();
      await fake.waitUntil(() => fake.openWatches === 0, "the watches to close");
      const requests = fake.requestCount();
      fake.create(imageSecurityPolicy("prod"));
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(fake.requestCount(), requests);
    });
  });
});
