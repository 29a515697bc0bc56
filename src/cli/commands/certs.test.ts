import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../main.js";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function scriba(...args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(args, {
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: {},
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

describe("scriba certs", () => {
  let directory: string;

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), "scriba-certs-"));
  });

  after(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  test("writes a CA and a serving pair that openssl verifies, keys readable by their owner only", async () => {
    const out = join(directory, "first");
    const run = await scriba("certs", "--out", out, "--service", "scriba-webhook", "--namespace", "scriba", "--ip", "127.0.0.1", "--dns", "webhook.example.com");
    assert.equal(run.code, 0, run.stderr);
    const verified = execFileSync("openssl", ["verify", "-CAfile", join(out, "ca.crt"), join(out, "tls.crt")], { encoding: "utf8" });
    assert.match(verified, /tls\.crt: OK/);
    for (const [file, mode] of [["ca.key", 0o600], ["tls.key", 0o600], ["ca.crt", 0o644], ["tls.crt", 0o644]] as const) {
      assert.equal((await stat(join(out, file))).mode & 0o777, mode, file);
    }
    const serving = new X509Certificate(await readFile(join(out, "tls.crt")));
    assert.match(serving.subjectAltName ?? "", /DNS:scriba-webhook\.scriba\.svc\.cluster\.local, DNS:webhook\.example\.com, IP Address:127\.0\.0\.1$/);
  });

  test("prints the caBundle and the kubectl command that stores the serving pair", async () => {
    const out = join(directory, "printed");
    const run = await scriba("certs", "--out", out, "--service", "scriba-webhook", "--namespace", "scriba");
    assert.equal(run.code, 0, run.stderr);
    const caBundle = (await readFile(join(out, "ca.crt"))).toString("base64");
    assert.ok(run.stdout.split("\n").includes(caBundle), "the caBundle is printed on a line of its own");
    assert.ok(
      run.stdout.includes(`kubectl create secret tls scriba-webhook-tls --namespace scriba --cert=${join(out, "tls.crt")} --key=${join(out, "tls.key")}\n`),
      run.stdout,
    );
  });

  test("refuses to overwrite existing files, and overwrites them with --force", async () => {
    const out = join(directory, "twice");
    const args = ["certs", "--out", out, "--service", "s", "--namespace", "n"];
    assert.equal((await scriba(...args)).code, 0);
    const firstCa = await readFile(join(out, "ca.crt"), "utf8");

    const refused = await scriba(...args);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /ca\.crt, ca\.key, tls\.crt, tls\.key already exist .*--force/);
    assert.equal(await readFile(join(out, "ca.crt"), "utf8"), firstCa);

    assert.equal((await scriba(...args, "--force")).code, 0);
    assert.notEqual(await readFile(join(out, "ca.crt"), "utf8"), firstCa);
    assert.equal((await stat(join(out, "tls.key"))).mode & 0o777, 0o600);
  });

  test("writes the validity asked for with --days", async () => {
    const out = join(directory, "days");
    assert.equal((await scriba("certs", "--out", out, "--service", "s", "--namespace", "n", "--days", "10")).code, 0);
    const serving = new X509Certificate(await readFile(join(out, "tls.crt")));
    const days = (Date.parse(serving.validTo) - Date.parse(serving.validFrom)) / 86_400_000;
    assert.ok(days > 10 && days < 10.01, `valid for ${days} days`);
  });

  for (const [what, args, message] of [
    ["without --service", ["--out", "x", "--namespace", "n"], /--service is required/],
    ["with an unknown option", ["--out", "x", "--service", "s", "--namespace", "n", "--bogus"], /bogus/],
    ["with --days that is not a number", ["--out", "x", "--service", "s", "--namespace", "n", "--days", "ten"], /--days/],
    ["with an invalid --ip", ["--out", "x", "--service", "s", "--namespace", "n", "--ip", "localhost"], /not an IPv4 or IPv6 address/],
  ] as const) {
    test(`exits 2 ${what}, writing nothing`, async () => {
      const run = await scriba("certs", ...args.map((a) => (a === "x" ? join(directory, "never") : a)));
      assert.equal(run.code, 2);
      assert.match(run.stderr, message);
      await assert.rejects(stat(join(directory, "never")));
    });
  }
});
