import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MetadataWorld, authorityYaml, ecKeyPair, gapYaml, images, pod } from "../../admission/__fixtures__/admission-world.js";
import { TestTls } from "../../admission/__fixtures__/test-tls.js";
import { silentLogger } from "../../logging/logger.js";
import { startScribaServer } from "../../server/scriba-server.js";
import { openSqliteStore } from "../../store/sqlite/sqlite-store.js";
import { runCli } from "../main.js";

const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
let dir: string;
let tls: TestTls;
let database: string;
let policyDir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "scriba-webhook-cli-"));
  tls = TestTls.create();
  database = join(dir, "scriba.db");
  policyDir = join(dir, "policies");
  mkdirSync(policyDir);
  writeFileSync(join(policyDir, "qa.yaml"), `${authorityYaml("qa", "prod", qaNote, [{ pkix: qaKey }])}\n---\n${gapYaml("require-qa", "prod", ["qa"])}\n`);
  writeFileSync(join(dir, "qa.pem"), qaKey.privatePem);
  const world = new MetadataWorld(openSqliteStore({ path: database }));
  await world.pkixAttestation(qaNote, qaKey, images.web);
  await world.close();
});
after(() => {
  tls.remove();
  rmSync(dir, { recursive: true, force: true });
});

function start(args: readonly string[]) {
  const controller = new AbortController();
  let stderr = "";
  let stdout = "";
  let onLine: (() => void) | undefined;
  const listening = new Promise<string>((resolve) => {
    onLine = () => {
      for (const line of stderr.split("\n")) {
        if (!line.startsWith("{")) continue;
        const record = JSON.parse(line) as { msg?: string; url?: string };
        if (record.msg === "admission webhook listening" && record.url !== undefined) resolve(record.url);
      }
    };
  });
  const exit = runCli(["webhook", ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => {
      stderr += t;
      onLine?.();
    },
    env: {},
    signal: controller.signal,
  });
  return { listening, exit, stop: () => controller.abort(), output: () => ({ stdout, stderr }) };
}

function post(url: string, body: unknown): Promise<{ response: { uid: string; allowed: boolean; status?: { message: string } } }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path: "/validate?timeout=10s", method: "POST", ca: tls.ca, headers: { "content-type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as { response: { uid: string; allowed: boolean } }));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

const review = (object: Record<string, unknown>) => ({
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  request: {
    uid: "b6b5c5a4-0000-4000-8000-000000000001",
    kind: { group: "", version: "v1", kind: "Pod" },
    resource: { group: "", version: "v1", resource: "pods" },
    namespace: "prod",
    operation: "CREATE",
    object,
  },
});

describe("scriba webhook", () => {
  test("serves reviews over HTTPS from an embedded SQLite store until it is stopped", async () => {
    const run = start([
      "--listen", "127.0.0.1:0",
      "--tls-cert", tls.certFile,
      "--tls-key", tls.keyFile,
      "--policy-dir", policyDir,
      "--storage", `sqlite:${database}`,
      "--attestor-key", `qa=${join(dir, "qa.pem")}`,
    ]);
    try {
      const url = await run.listening;
      const admitted = await post(url, review(pod("web", "prod", [{ image: images.web }])));
      assert.equal(admitted.response.allowed, true);
      const denied = await post(url, review(pod("payment", "prod", [{ image: images.payment }])));
      assert.equal(denied.response.allowed, false);
      assert.ok(denied.response.status?.message.includes(`No matched signatures for container image: ${images.payment}`));
    } finally {
      run.stop();
    }
    assert.equal(await run.exit, 0, run.output().stderr);
  });

  test("serves reviews from a Scriba server it reads over gRPC (--server grpc://)", async () => {
    const scriba = await startScribaServer({ listen: { host: "127.0.0.1", port: 0 }, store: openSqliteStore({ path: database }), logger: silentLogger });
    const server = `grpc://127.0.0.1:${scriba.address.port}`;
    const run = start([
      "--listen", "127.0.0.1:0",
      "--tls-cert", tls.certFile,
      "--tls-key", tls.keyFile,
      "--policy-dir", policyDir,
      "--server", server,
    ]);
    try {
      const url = await run.listening;
      const admitted = await post(url, review(pod("web", "prod", [{ image: images.web }])));
      assert.equal(admitted.response.allowed, true);
      const denied = await post(url, review(pod("payment", "prod", [{ image: images.payment }])));
      assert.equal(denied.response.allowed, false);
      assert.ok(denied.response.status?.message.includes(`No matched signatures for container image: ${images.payment}`));
    } finally {
      run.stop();
      await run.exit;
      await scriba.close();
    }
    assert.equal(await run.exit, 0, run.output().stderr);
    assert.match(run.output().stderr, new RegExp(`"msg":"metadata source",.*"source":"${server}"`));
  });

  test("a gRPC server URL with a path is a usage error", async () => {
    const run = start(["--tls-cert", tls.certFile, "--tls-key", tls.keyFile, "--policy-dir", policyDir, "--server", "grpc://127.0.0.1:8080/grafeas"]);
    assert.equal(await run.exit, 2);
    assert.match(run.output().stderr, /has no path \(gRPC method paths are fixed\)/);
  });

  test("reports invalid policies when it starts", async () => {
    const brokenDir = join(dir, "broken-policies");
    mkdirSync(brokenDir, { recursive: true });
    writeFileSync(join(brokenDir, "gap.yaml"), `${gapYaml("require-qa", "prod", ["qa"])}\n`);
    const run = start(["--listen", "127.0.0.1:0", "--tls-cert", tls.certFile, "--tls-key", tls.keyFile, "--policy-dir", brokenDir, "--storage", "memory"]);
    try {
      await run.listening;
    } finally {
      run.stop();
    }
    assert.equal(await run.exit, 0);
    assert.match(run.output().stderr, /invalid policy; its namespaces deny every reviewed image until it is fixed/);
    assert.match(run.output().stderr, /AttestationAuthority \\"qa\\" not found in namespace prod/);
  });

  test("without --tls-cert it is a usage error", async () => {
    const run = start(["--tls-key", tls.keyFile, "--policy-dir", policyDir, "--storage", "memory"]);
    assert.equal(await run.exit, 2);
    assert.match(run.output().stderr, /--tls-cert FILE is required/);
  });

  test("an unreadable attestor key names the file", async () => {
    const run = start(["--tls-cert", tls.certFile, "--tls-key", tls.keyFile, "--policy-dir", policyDir, "--storage", "memory", "--attestor-key", `qa=${join(dir, "missing.pem")}`]);
    assert.equal(await run.exit, 2);
    assert.match(run.output().stderr, /missing\.pem cannot be read: ENOENT/);
  });

  test("a TLS key that does not belong to the certificate is refused", async () => {
    writeFileSync(join(dir, "other.key"), ecKeyPair().privatePem);
    const run = start(["--listen", "127.0.0.1:0", "--tls-cert", tls.certFile, "--tls-key", join(dir, "other.key"), "--policy-dir", policyDir, "--storage", "memory"]);
    assert.equal(await run.exit, 2);
    assert.match(run.output().stderr, /the TLS certificate and key cannot be used together/);
  });

  test("--help documents every option", async () => {
    let stdout = "";
    const code = await runCli(["webhook", "--help"], { stdout: (t) => (stdout += t), stderr: () => {}, env: {}, signal: new AbortController().signal });
    assert.equal(code, 0);
    for (const flag of ["--listen", "--tls-cert", "--tls-key", "--policy-dir", "--server", "--server-ca", "--storage", "--metadata-timeout", "--attestor-key", "--attestor-secret-ttl", "--log-level", "--config"]) {
      assert.ok(stdout.includes(flag), `${flag} missing from help`);
    }
    for (const scheme of ["http://", "https://", "grpc://", "grpcs://"]) {
      assert.ok(stdout.includes(scheme), `the ${scheme} server scheme is missing from help`);
    }
  });
});
