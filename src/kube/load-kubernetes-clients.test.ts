import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, test } from "node:test";
import { authorityYaml, ecKeyPair, gapYaml } from "../admission/__fixtures__/admission-world.js";
import { TestTls } from "../admission/__fixtures__/test-tls.js";

const loadedMark = "kubernetes client resolved";
let dir: string;
let tls: TestTls;
let hookModule: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "scriba-kube-load-"));
  tls = TestTls.create();
  mkdirSync(join(dir, "policies"));
  writeFileSync(
    join(dir, "policies", "qa.yaml"),
    `${authorityYaml("qa", "prod", "projects/image-signing/notes/qa", [{ pkix: ecKeyPair() }])}\n---\n${gapYaml("require-qa", "prod", ["qa"])}\n`,
  );
  // A module resolution hook that says when anything resolves the client package.
  const hooks = join(dir, "hooks.mjs");
  writeFileSync(
    hooks,
    `import { writeSync } from "node:fs";
export async function resolve(specifier, context, next) {
  if (specifier.startsWith("@kubernetes/client-node")) writeSync(2, ${JSON.stringify(`${loadedMark}\n`)});
  return next(specifier, context);
}
`,
  );
  hookModule = pathToFileURL(hooks).href;
});
after(() => {
  tls.remove();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `script` (an ES module body) in a new process that reports every resolution of the client package on stderr. */
function runWatched(script: string): Promise<{ code: number | null; stderr: string }> {
  const module = `
    import { register } from "node:module";
    register(${JSON.stringify(hookModule)});
    ${script}
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "--eval", module], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stderr })));
}

const moduleUrl = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);

describe("the Kubernetes client is loaded only by what talks to a cluster", () => {
  test("a webhook that reads its policies from a directory starts, serves and stops without loading the client", async () => {
    const args = ["webhook", "--listen", "127.0.0.1:0", "--storage", "memory", "--policy-dir", join(dir, "policies"), "--tls-cert", tls.certFile, "--tls-key", tls.keyFile];
    const { code, stderr } = await runWatched(`
      const { runCli } = await import(${moduleUrl("../cli/main.ts")});
      const controller = new AbortController();
      let log = "";
      const exit = await runCli(${JSON.stringify(args)}, {
        stdout: () => {},
        stderr: (text) => {
          log += text;
          if (text.includes('"admission webhook listening"')) controller.abort();
        },
        env: {},
        signal: controller.signal,
      });
      if (!log.includes('"admission webhook listening"')) process.stderr.write(log);
      process.exitCode = exit;
    `);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, new RegExp(loadedMark));
  });

  test("loading the clients loads the client package", async () => {
    const { code, stderr } = await runWatched(`
      const { loadKubernetesClients } = await import(${moduleUrl("./load-kubernetes-clients.ts")});
      const clients = await loadKubernetesClients();
      if (typeof clients.PolicyWatcher.start !== "function") process.exitCode = 3;
    `);
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(loadedMark));
  });
});
