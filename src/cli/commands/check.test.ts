import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  MetadataWorld,
  authorityYaml,
  ecKeyPair,
  gapYaml,
  images,
  ispYaml,
  pod,
} from "../../admission/__fixtures__/admission-world.js";
import { startRestStandIn } from "../../admission/__fixtures__/grafeas-rest-stand-in.js";
import { silentLogger } from "../../logging/logger.js";
import { startScribaServer } from "../../server/scriba-server.js";
import { openSqliteStore } from "../../store/sqlite/sqlite-store.js";
import { runCli } from "../main.js";

const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
let dir: string;
let database: string;
let policyDir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "scriba-check-"));
  database = join(dir, "scriba.db");
  policyDir = join(dir, "policies");
  const world = new MetadataWorld(openSqliteStore({ path: database }));
  await world.pkixAttestation(qaNote, qaKey, images.web);
  await world.vulnerability(images.web, "CVE-2023-0001", "HIGH");
  await world.close();
  const { mkdirSync } = await import("node:fs");
  mkdirSync(policyDir);
  writeFileSync(join(policyDir, "qa.yaml"), `${authorityYaml("qa", "prod", qaNote, [{ pkix: qaKey }])}\n---\n${gapYaml("require-qa", "prod", ["qa"])}\n`);
  writeFileSync(join(policyDir, "vulnz.yaml"), `${ispYaml("no-critical", "prod", { maximumSeverity: "HIGH" })}\n`);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function manifest(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function check(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(["check", ...args], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

const yaml = (object: unknown) => JSON.stringify(object);

describe("scriba check judges manifests with the webhook's engine", () => {
  test("manifests whose images are all admitted exit 0 with a readable report", async () => {
    const file = manifest("good.yaml", yaml(pod("web", "prod", [{ image: images.web }])));
    const result = await check(["-f", file, "--policy-dir", policyDir, "--storage", `sqlite:${database}`]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(result.stdout.includes("ADMITTED Pod prod/web"), result.stdout);
    assert.ok(result.stdout.includes("1 object checked: 1 admitted, 0 denied"), result.stdout);
  });

  test("a denied object makes the run exit 1 and the report says why", async () => {
    const file = manifest("bad.yaml", yaml(pod("payment", "prod", [{ image: images.payment, name: "app" }])));
    const result = await check(["-f", file, "--policy-dir", policyDir, "--storage", `sqlite:${database}`]);
    assert.equal(result.code, 1);
    assert.ok(result.stdout.includes("DENIED   Pod prod/payment"), result.stdout);
    assert.ok(result.stdout.includes(`No matched signatures for container image: ${images.payment}`), result.stdout);
  });

  test("multi-document YAML, a List and a JSON file are all read; other kinds are skipped", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { template: { spec: { containers: [{ name: "app", image: images.web }] } } },
    };
    const list = { apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" } }, pod("web-2", "prod", [{ image: images.web }])] };
    const multi = manifest("multi.yaml", `---\n${yaml(deployment)}\n---\n# comment only\n---\n${yaml(list)}\n`);
    const json = manifest("cron.json", JSON.stringify({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "nightly", namespace: "prod" },
      spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec: { containers: [{ name: "job", image: images.payment }] } } } } },
    }));
    const result = await check(["-f", multi, "-f", json, "--namespace", "prod", "--policy-dir", policyDir, "--storage", `sqlite:${database}`, "--output", "json"]);
    assert.equal(result.code, 1);
    const report = JSON.parse(result.stdout) as {
      admitted: boolean;
      summary: Record<string, number>;
      objects: { kind: string; name: string; namespace: string; allowed: boolean; document?: number; item?: string; images: { path: string; reasons: string[] }[] }[];
      skipped: { kind: string; name: string }[];
    };
    assert.equal(report.admitted, false);
    assert.deepEqual(report.summary, { checked: 3, admitted: 2, denied: 1, skipped: 1 });
    assert.deepEqual(
      report.objects.map((o) => [o.kind, o.namespace, o.name, o.allowed]),
      [["Deployment", "prod", "web", true], ["Pod", "prod", "web-2", true], ["CronJob", "prod", "nightly", false]],
    );
    assert.equal(report.objects[1]?.item, "items[1]");
    assert.equal(report.objects[2]?.images[0]?.path, "spec.jobTemplate.spec.template.spec.containers[0].image");
    assert.match(report.objects[2]?.images[0]?.reasons[0] ?? "", /^No matched signatures for container image/);
    assert.deepEqual(report.skipped.map((s) => [s.kind, s.name]), [["ConfigMap", "settings"]]);
  });

  test("a namespace-less object is judged in the default namespace, which has no policy here", async () => {
    const file = manifest("nsless.yaml", yaml({ apiVersion: "v1", kind: "Pod", metadata: { name: "loose" }, spec: { containers: [{ name: "a", image: "nginx:latest" }] } }));
    const result = await check(["-f", file, "--policy-dir", policyDir, "--storage", `sqlite:${database}`]);
    assert.equal(result.code, 0);
    assert.ok(result.stdout.includes("ADMITTED Pod default/loose"), result.stdout);
  });

  test("the vulnerability policy is applied from the stored findings", async () => {
    writeFileSync(join(policyDir, "vulnz.yaml"), `${ispYaml("no-critical", "prod", { maximumSeverity: "MEDIUM" })}\n`);
    try {
      const file = manifest("vuln.yaml", yaml(pod("web", "prod", [{ image: images.web }])));
      const result = await check(["-f", file, "--policy-dir", policyDir, "--storage", `sqlite:${database}`]);
      assert.equal(result.code, 1);
      assert.ok(result.stdout.includes("CVE-2023-0001"), result.stdout);
    } finally {
      writeFileSync(join(policyDir, "vulnz.yaml"), `${ispYaml("no-critical", "prod", { maximumSeverity: "HIGH" })}\n`);
    }
  });

  test("--server reads the metadata from a Grafeas REST endpoint", async () => {
    const world = new MetadataWorld(openSqliteStore({ path: database }));
    const server = await startRestStandIn(world.service);
    try {
      const file = manifest("server.yaml", yaml(pod("web", "prod", [{ image: images.web }])));
      const result = await check(["-f", file, "--policy-dir", policyDir, "--server", server.url]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      assert.ok(server.requests.some((r) => r.includes("/v1/projects/image-signing/notes/qa/occurrences")));
    } finally {
      await server.close();
      await world.close();
    }
  });
});

describe("scriba check against a Scriba server over gRPC", () => {
  test("--server grpc:// reads the metadata over gRPC: the attested image passes, the unattested one is denied", async () => {
    const scriba = await startScribaServer({ listen: { host: "127.0.0.1", port: 0 }, store: openSqliteStore({ path: database }), logger: silentLogger });
    try {
      const server = `grpc://127.0.0.1:${scriba.address.port}`;
      const attested = manifest("grpc-web.yaml", yaml(pod("web", "prod", [{ image: images.web }])));
      const admitted = await check(["-f", attested, "--policy-dir", policyDir, "--server", server]);
      assert.equal(admitted.code, 0, admitted.stdout + admitted.stderr);
      const unattested = manifest("grpc-payment.yaml", yaml(pod("payment", "prod", [{ image: images.payment }])));
      const denied = await check(["-f", unattested, "--policy-dir", policyDir, "--server", server]);
      assert.equal(denied.code, 1, denied.stdout + denied.stderr);
      assert.ok(denied.stdout.includes(`No matched signatures for container image: ${images.payment}`), denied.stdout);
    } finally {
      await scriba.close();
    }
  });
});

describe("scriba check usage errors exit 2", () => {
  const file = () => manifest("ok.yaml", yaml(pod("web", "prod", [{ image: images.web }])));

  test("without -f", async () => {
    const result = await check(["--policy-dir", policyDir, "--storage", "memory"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /at least one manifest with -f FILE/);
  });

  test("without --policy-dir", async () => {
    const result = await check(["-f", file(), "--storage", "memory"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--policy-dir DIR is required/);
  });

  test("with both --server and --storage", async () => {
    const result = await check(["-f", file(), "--policy-dir", policyDir, "--storage", "memory", "--server", "http://127.0.0.1:9"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /either --server or --storage, not both/);
  });

  test("with neither --server nor --storage", async () => {
    const result = await check(["-f", file(), "--policy-dir", policyDir]);
    assert.equal(result.code, 2);
  });

  test("a --storage flag wins over SCRIBA_SERVER from the environment", async () => {
    const result = await check(["-f", file(), "--policy-dir", policyDir, "--storage", `sqlite:${database}`], { SCRIBA_SERVER: "http://127.0.0.1:9" });
    assert.equal(result.code, 0, result.stderr);
  });

  test("with a manifest that is not valid YAML, naming the document", async () => {
    const broken = manifest("broken.yaml", `${yaml(pod("web", "prod", [{ image: images.web }]))}\n---\nkind: [unclosed\n`);
    const result = await check(["-f", broken, "--policy-dir", policyDir, "--storage", "memory"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /broken\.yaml document 2: not valid YAML/);
  });

  test("with a missing manifest file", async () => {
    const result = await check(["-f", join(dir, "nope.yaml"), "--policy-dir", policyDir, "--storage", "memory"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /nope\.yaml cannot be read: ENOENT/);
  });

  test("with a missing policy directory", async () => {
    const result = await check(["-f", file(), "--policy-dir", join(dir, "none"), "--storage", "memory"]);
    assert.equal(result.code, 2);
  });

  test("with an unknown flag", async () => {
    const result = await check(["-f", file(), "--policy-dir", policyDir, "--storage", "memory", "--colour"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--colour/);
  });

  test("with an unknown --output", async () => {
    const result = await check(["-f", file(), "--policy-dir", policyDir, "--storage", "memory", "--output", "yaml"]);
    assert.equal(result.code, 2);
  });

  test("--help documents every option", async () => {
    const result = await check(["--help"]);
    assert.equal(result.code, 0);
    for (const flag of ["--file", "--policy-dir", "--server", "--server-ca", "--storage", "--namespace", "--output", "--metadata-timeout", "--config"]) {
      assert.ok(result.stdout.includes(flag), `${flag} missing from help`);
    }
  });
});
