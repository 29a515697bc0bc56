/**
 * `scriba audit --once`, run in-process. Pods and policies live in the FAKE
 * Kubernetes API server of test/support (a loopback test double; there is
 * no kube-apiserver here); metadata in a real SQLite store.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, beforeEach, describe, test } from "node:test";
import { FakeKubeApiServer } from "../../../test/support/fake-kube-apiserver.js";
import { MetadataWorld, authorityYaml, ecKeyPair, gapYaml, images } from "../../admission/__fixtures__/admission-world.js";
import { attestationMarkKey } from "../../kube/pod-client.js";
import { openSqliteStore } from "../../store/sqlite/sqlite-store.js";
import { runCli } from "../main.js";

const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
const authority = authorityYaml("qa", "shop", qaNote, [{ pkix: qaKey }]);
const gap = gapYaml("require-qa", "shop", ["qa"]);

let dir: string;
let database: string;
let fake: FakeKubeApiServer;
let kubeconfig: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "scriba-audit-cli-"));
  database = join(dir, "scriba.db");
  const world = new MetadataWorld(openSqliteStore({ path: database }));
  await world.pkixAttestation(qaNote, qaKey, images.web);
  await world.close();
  writeFileSync(join(dir, "policies.yaml"), `${authority}\n---\n${gap}\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(async () => {
  fake = await FakeKubeApiServer.start();
  kubeconfig = join(dir, "kubeconfig.yaml");
  writeFileSync(kubeconfig, fake.kubeconfigYaml());
  fake.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "shop" }, spec: { containers: [{ name: "app", image: images.web }] } });
  fake.create({ apiVersion: "v1", kind: "Pod", metadata: { name: "payment", namespace: "shop" }, spec: { containers: [{ name: "app", image: images.payment }] } });
});
afterEach(() => fake.close());

async function scriba(args: readonly string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {}, signal: new AbortController().signal });
  return { code, stdout, stderr };
}

function label(name: string): string | undefined {
  const pod = fake.get({ apiVersion: "v1", kind: "Pod", namespace: "shop", name }) as { metadata: { labels?: Record<string, string> } };
  return pod.metadata.labels?.[attestationMarkKey];
}

describe("scriba audit --once", () => {
  test("with policies from the cluster: marks each pod and prints a summary", async () => {
    fake.create({ apiVersion: "kritis.grafeas.io/v1beta1", kind: "AttestationAuthority", metadata: { name: "qa", namespace: "shop" }, spec: { noteReference: qaNote, publicKeys: [{ keyType: "PKIX", pkixPublicKey: { publicKeyPem: qaKey.publicPem, signatureAlgorithm: "ECDSA_P256_SHA256" } }] } });
    fake.create({ apiVersion: "kritis.grafeas.io/v1beta1", kind: "GenericAttestationPolicy", metadata: { name: "require-qa", namespace: "shop" }, spec: { attestationAuthorityNames: ["qa"] } });
    const run = await scriba(["audit", "--once", "--policy-source", "kubernetes", "--kubeconfig", kubeconfig, "--storage", `sqlite:${database}`, "--cluster-name", "test"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      [
        "re-checked 2 running pods (0 finished pods skipped): 1 compliant, 1 noncompliant, 0 not judged",
        "marks: 2 pods patched, 0 unchanged, 0 gone meanwhile; 0 failed",
        "deployment records: 0 open, 0 given an undeployTime, 0 failed",
        "audit records: 2 written, 0 dropped",
        "",
      ].join("\n"),
    );
    assert.equal(label("web"), "attested");
    assert.equal(label("payment"), "notAttested");
    assert.equal(fake.requestCount((r) => r.method === "DELETE"), 0);
  });

  test("with a policy directory and --output json", async () => {
    const run = await scriba(["audit", "--once", "--policy-dir", join(dir), "--kubeconfig", kubeconfig, "--storage", `sqlite:${database}`, "-o", "json", "--audit-records", "off", "--deployment-records", "off"]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as Record<string, unknown>;
    assert.equal(summary["pods"], 2);
    assert.equal(summary["noncompliant"], 1);
    assert.equal(summary["undeploy"], undefined);
    assert.equal(summary["records"], undefined);
  });

  test("a pass that cannot list the pods exits 1 and says why", async () => {
    fake.setRefusal({ matches: (r) => r.path === "/api/v1/pods", code: 403 });
    const run = await scriba(["audit", "--once", "--policy-dir", dir, "--kubeconfig", kubeconfig, "--storage", "memory"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /the pass could not complete: listing pods in all namespaces failed: .*HTTP 403/);
  });

  test("without a policy source it is a usage error", async () => {
    const run = await scriba(["audit", "--once", "--kubeconfig", kubeconfig, "--storage", "memory"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--policy-dir DIR is required with --policy-source directory/);
  });
});
