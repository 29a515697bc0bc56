/**
 * `scriba webhook` and `scriba serve` with `--policy-source kubernetes`, run
 * in-process against the FAKE Kubernetes API server of test/support (a
 * loopback test double speaking list/watch; there is no kube-apiserver
 * here), called over HTTPS as the API server calls webhooks.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FakeKubeApiServer } from "../../../test/support/fake-kube-apiserver.js";
import { GpgHome } from "../../attest/__fixtures__/gpg-home.js";
import { secretResource } from "../../kube/kritis-resources.js";
import { attestationAuthority, genericAttestationPolicy } from "../../../test/support/kube-objects.js";
import { httpsCall, podCreateReview } from "../../../test/support/webhook-client.js";
import { images } from "../../admission/__fixtures__/admission-world.js";
import { TestTls } from "../../admission/__fixtures__/test-tls.js";
import { runCli } from "../main.js";

let dir: string;
let tls: TestTls;
let fake: FakeKubeApiServer;
let kubeconfig: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "scriba-webhook-kube-"));
  tls = TestTls.create();
  fake = await FakeKubeApiServer.start();
  kubeconfig = join(dir, "kubeconfig.yaml");
  writeFileSync(kubeconfig, fake.kubeconfigYaml());
});
after(async () => {
  await fake.close();
  tls.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `scriba ARGS` until stopped; resolves `url` once the webhook line is logged. */
function start(args: readonly string[]) {
  const controller = new AbortController();
  let stderr = "";
  let resolveUrl: (url: string) => void = () => undefined;
  const url = new Promise<string>((resolve) => (resolveUrl = resolve));
  const exit = runCli(args, {
    // `scriba serve` announces its webhook on stdout; `scriba webhook` logs it.
    stdout: (text) => {
      const match = /scriba admission webhook on (https:\/\/\S+)/.exec(text);
      if (match !== null) resolveUrl(match[1]!);
    },
    stderr: (text) => {
      stderr += text;
      for (const line of text.split("\n")) {
        if (!line.startsWith("{")) continue;
        const record = JSON.parse(line) as { msg?: string; url?: string };
        if (record.msg === "admission webhook listening" && record.url !== undefined) resolveUrl(record.url);
      }
    },
    env: {},
    signal: controller.signal,
  });
  return { url, exit, stop: () => controller.abort(), stderr: () => stderr };
}

const waitReady = async (url: string) => {
  let ready = false;
  for (let i = 0; i < 200 && !ready; i++) {
    ready = (await httpsCall(url, tls.ca, "/readyz")).status === 200;
    if (!ready) await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.ok(ready, "the webhook became ready");
};

describe("scriba webhook --policy-source kubernetes", () => {
  test("serves decisions from the cluster's policies, following changes, with /readyz and /metrics", async () => {
    const webhook = start([
      "webhook", "--listen", "127.0.0.1:0", "--tls-cert", tls.certFile, "--tls-key", tls.keyFile,
      "--policy-source", "kubernetes", "--kubeconfig", kubeconfig, "--storage", "memory", "--recheck-interval", "0",
    ]);
    try {
      const url = await webhook.url;
      await waitReady(url);
      const allowed = await httpsCall(url, tls.ca, "/validate?timeout=10s", podCreateReview("team", "web", images.payment));
      assert.equal(allowed.json?.response?.allowed, true);
      fake.create(attestationAuthority("team"));
      fake.create(genericAttestationPolicy("team"));
      let denied = false;
      for (let i = 0; i < 200 && !denied; i++) {
        const reply = await httpsCall(url, tls.ca, "/validate?timeout=10s", podCreateReview("team", "web", images.payment));
        denied = reply.json?.response?.allowed === false;
        if (!denied) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.ok(denied, "the policy created in the cluster denies without a restart");
      assert.match((await httpsCall(url, tls.ca, "/metrics")).text, /^scriba_admission_decisions_total\{decision="deny"\} \d+$/m);
      assert.match(webhook.stderr(), /"msg":"policies changed; the next review uses them"/);
    } finally {
      webhook.stop();
      assert.equal(await webhook.exit, 0);
    }
  });

  test("--policy-dir with --policy-source kubernetes is a usage error", async () => {
    const run = start([
      "webhook", "--tls-cert", tls.certFile, "--tls-key", tls.keyFile, "--policy-source", "kubernetes", "--policy-dir", dir,
      "--kubeconfig", kubeconfig, "--storage", "memory",
    ]);
    assert.equal(await run.exit, 2);
    assert.match(run.stderr(), /--policy-dir is read with --policy-source directory only/);
  });
});

describe("scriba serve --policy-source kubernetes", () => {
  test("runs the webhook in-process on the cluster's policies", async () => {
    const serve = start([
      "serve", "--listen", "127.0.0.1:0", "--storage", "memory", "--webhook-listen", "127.0.0.1:0",
      "--tls-cert", tls.certFile, "--tls-key", tls.keyFile, "--policy-source", "kubernetes", "--kubeconfig", kubeconfig, "--recheck-interval", "0",
      "--log-level", "error",
    ]);
    try {
      const url = await serve.url;
      await waitReady(url);
      const reply = await httpsCall(url, tls.ca, "/validate?timeout=10s", podCreateReview("elsewhere", "web", images.web));
      assert.equal(reply.json?.response?.allowed, true);
    } finally {
      serve.stop();
      assert.equal(await serve.exit, 0);
    }
  });
});

describe("scriba webhook --policy-source kubernetes with an ImageSecurityPolicy's privateKeySecretName", () => {
  test("signs the attestation of a passing image with the PGP key of the Secret, which the cluster holds in Kritis' format", async () => {
    // A second fake API server that also serves Secrets (GET by name); still a loopback test double.
    const cluster = await FakeKubeApiServer.start({ resources: [secretResource] });
    const home = GpgHome.create();
    try {
      const fingerprint = home.generate("vulnz-checked@example.com", "ed25519", "sign");
      const publicKey = home.exportPublic(fingerprint);
      const clusterConfig = join(dir, "kubeconfig-secrets.yaml");
      writeFileSync(clusterConfig, cluster.kubeconfigYaml());
      cluster.create({
        apiVersion: "kritis.grafeas.io/v1beta1",
        kind: "AttestationAuthority",
        metadata: { name: "vulnz-checked", namespace: "shop" },
        spec: {
          noteReference: "projects/vulnz-checked/notes/checked",
          publicKeys: [{ keyType: "PGP", asciiArmoredPgpPublicKey: Buffer.from(publicKey).toString("base64") }],
        },
      });
      cluster.create({
        apiVersion: "kritis.grafeas.io/v1beta1",
        kind: "ImageSecurityPolicy",
        metadata: { name: "checked", namespace: "shop" },
        spec: { attestationAuthorityName: "vulnz-checked", privateKeySecretName: "vulnz-checked-key" },
      });
      cluster.create({
        apiVersion: "v1",
        kind: "Secret",
        type: "Opaque",
        metadata: { name: "vulnz-checked-key", namespace: "shop" },
        data: {
          private: Buffer.from(home.exportSecret(fingerprint)).toString("base64"),
          public: Buffer.from(publicKey).toString("base64"),
        },
      });
      const webhook = start([
        "webhook", "--listen", "127.0.0.1:0", "--tls-cert", tls.certFile, "--tls-key", tls.keyFile,
        "--policy-source", "kubernetes", "--kubeconfig", clusterConfig, "--storage", "memory",
        "--recheck-interval", "0", "--audit-records", "off", "--deployment-records", "off",
      ]);
      try {
        const url = await webhook.url;
        await waitReady(url);
        const reply = await httpsCall(url, tls.ca, "/validate?timeout=10s", podCreateReview("shop", "web", images.web));
        assert.equal(reply.json?.response?.allowed, true);
      } finally {
        webhook.stop();
      }
      assert.equal(await webhook.exit, 0);
      const logs = webhook.stderr();
      assert.ok(
        cluster.requests.some((r) => r.method === "GET" && r.path === "/api/v1/namespaces/shop/secrets/vulnz-checked-key"),
        "the Secret was read by name",
      );
      assert.ok(!cluster.requests.some((r) => r.path.endsWith("/secrets")), "Secrets were never listed or watched");
      assert.match(logs, new RegExp(`"msg":"attest-on-pass signing key read from a Kubernetes Secret".*PGP key ${fingerprint}`));
      assert.ok(!logs.includes("PRIVATE KEY"), "no key material in the logs");
      // The decision log reports the attestation stored, signed by the authority's PGP key (verified before storing).
      const created = /"outcome":"created","detail":"signed with openpgp4fpr:([0-9A-F]+) \(PGP\)"/.exec(logs);
      assert.equal(created?.[1], fingerprint, logs);
    } finally {
      home.remove();
      await cluster.close();
    }
  });
});
