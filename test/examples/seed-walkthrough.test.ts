/**
 * Runs examples/seed/run.sh — the 2017 walkthrough with a real gpg key, the
 * post's curl calls and AdmissionReviews posted to `scriba serve`'s in-process
 * webhook over HTTPS — and checks the story it tells: denied with the seed's
 * message, then admitted once QA's signature is uploaded.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const root = fileURLToPath(new URL("../..", import.meta.url));
const image = "gcr.io/hightowerlabs/payment@sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

function run(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["examples/seed/run.sh"], { cwd: root, env: { ...process.env, ...env } });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

test("the seed walkthrough denies the unattested payment pod and admits it after QA signs", async () => {
  const { code, output } = await run({
    SCRIBA: `node --import ${import.meta.resolve("tsx")} ${root}src/cli/main.ts`,
    PORT: String(await freePort()),
    WEBHOOK_PORT: String(await freePort()),
  });
  assert.equal(code, 0, output);
  const denied = output.indexOf(`DENIED: Pod default/payment is denied`);
  const admitted = output.indexOf("ADMITTED");
  assert.ok(denied >= 0, output);
  assert.ok(output.includes(`No matched signatures for container image: ${image}`), output);
  assert.ok(admitted > denied, output);
  assert.match(output, /projects\/image-signing\/occurrences\/\S+ ATTESTATION signed by [0-9A-F]{8}/);
  assert.match(output, /deny Pod default\/payment[\s\S]*allow Pod default\/payment/);
});
