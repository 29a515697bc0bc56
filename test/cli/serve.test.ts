/**
 * `scriba serve` as a real child process: it serves on a free port, answers
 * health and readiness, stops cleanly on SIGTERM/SIGINT, keeps its data across
 * a restart, takes its settings from flags, SCRIBA_* variables and a YAML file
 * (flags over environment over file), refuses bad settings with exit 2, and
 * shares page tokens between processes that share a key.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateWebhookCertificates } from "../../src/tls/webhook-certificates.js";
import { opensslClientCertificate } from "../support/client-certificate.js";
import { grpcGrafeasClient } from "../support/grafeas-clients.js";
import { attestationNote } from "../support/grafeas-fixtures.js";
import { http, okJson, q } from "../support/http.js";
import { runScriba, ScribaServeProcess } from "../support/scriba-process.js";

// Each test uses its own files and processes, so they run side by side: most of
// their time is the child's start-up.
describe("scriba serve as a process", { timeout: 180_000, concurrency: 4 }, () => {
  let dir: string;
  /** Every process a test started, so a failing test still leaves none behind. */
  const started: ScribaServeProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "scriba-cli-"));
  });

  after(async () => {
    await Promise.all(started.map((p) => p.kill()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function serve(args: readonly string[], env: Record<string, string> = {}): Promise<ScribaServeProcess> {
    const child = await ScribaServeProcess.start(args, { env });
    started.push(child);
    return child;
  }

  const file = (name: string) => join(dir, name);

  /** The storage the process says it opened. */
  const storageOf = (p: ScribaServeProcess) => p.logLines.find((l) => l.msg === "storage")?.storage;

  test("serves on a free port, answers /healthz and /readyz, and exits 0 on SIGTERM", async () => {
    const db = file("basic.db");
    const p = await serve(["--listen", "127.0.0.1:0", "--storage", `sqlite:${db}`]);
    assert.equal(p.host, "127.0.0.1");
    assert.ok(p.port > 0);
    const health = await http(p.baseUrl, "GET", "/healthz");
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: "ok" });
    const ready = await http(p.baseUrl, "GET", "/readyz");
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { status: "ready", store: "sqlite" });
    assert.ok(existsSync(db));
    const exit = await p.stop("SIGTERM");
    assert.equal(exit.code, 0, exit.stderr);
    assert.ok(p.logLines.some((l) => l.msg === "shutting down"));
    assert.deepEqual(p.logLines.filter((l) => l.level === "error"), []);
  });

  test("exits 0 on SIGINT too, with a gRPC client still connected", async () => {
    const p = await serve(["--listen", "127.0.0.1:0", "--storage", "memory"]);
    const client = grpcGrafeasClient(p.port);
    try {
      await client.createNote({ parent: "projects/cli", noteId: "qa", note: attestationNote() });
      const exit = await p.stop("SIGINT");
      assert.equal(exit.code, 0, exit.stderr);
    } finally {
      await client.close();
    }
  });

  test("gRPC and REST share the one port", async () => {
    const p = await serve(["--listen", "127.0.0.1:0", "--storage", "memory"]);
    const client = grpcGrafeasClient(p.port);
    try {
      await client.createNote({ parent: "projects/one-port", noteId: "qa", note: attestationNote() });
      const viaRest = okJson(await http(p.baseUrl, "GET", "/v1/projects/one-port/notes/qa"));
      assert.equal(viaRest.kind, "ATTESTATION");
    } finally {
      await client.close();
    }
    assert.equal((await p.stop()).code, 0);
  });

  test("serves the API over TLS with --api-tls-cert and --api-tls-key, and scriba note reaches it with --server-ca", async () => {
    const certificates = await generateWebhookCertificates({ service: "scriba", namespace: "test", ipAddresses: ["127.0.0.1"] });
    writeFileSync(file("api.crt"), certificates.certificatePem);
    writeFileSync(file("api.key"), certificates.privateKeyPem);
    writeFileSync(file("api-ca.crt"), certificates.caCertificatePem);
    const p = await serve(["--listen", "127.0.0.1:0", "--storage", "memory", "--api-tls-cert", file("api.crt"), "--api-tls-key", file("api.key")]);
    assert.match(p.stdout, /\(TLS\)/);
    writeFileSync(file("tls-note.json"), JSON.stringify(attestationNote()));
    const server = ["--server", `https://127.0.0.1:${p.port}`, "--server-ca", file("api-ca.crt")];
    const created = await runScriba(["note", "create", "projects/tls/notes/qa", "-f", file("tls-note.json"), ...server]);
    assert.equal(created.code, 0, created.stderr);
    const read = await runScriba(["note", "get", "projects/tls/notes/qa", "-o", "json", ...server]);
    assert.equal(read.code, 0, read.stderr);
    assert.equal((JSON.parse(read.stdout) as { kind: string }).kind, "ATTESTATION");
    const untrusted = await runScriba(["note", "get", "projects/tls/notes/qa", "--server", `https://127.0.0.1:${p.port}`]);
    assert.notEqual(untrusted.code, 0, "a client that does not trust the CA must not be served");
    assert.equal((await p.stop()).code, 0);
  });

  test("with --api-tls-client-ca, scriba note is served only when it presents --client-cert and --client-key", async () => {
    const certificates = await generateWebhookCertificates({ service: "scriba", namespace: "test", ipAddresses: ["127.0.0.1"] });
    writeFileSync(file("mtls.crt"), certificates.certificatePem);
    writeFileSync(file("mtls.key"), certificates.privateKeyPem);
    writeFileSync(file("mtls-ca.crt"), certificates.caCertificatePem);
    const client = opensslClientCertificate(dir, "mtls-client");
    const p = await serve([
      "--listen", "127.0.0.1:0", "--storage", "memory",
      "--api-tls-cert", file("mtls.crt"), "--api-tls-key", file("mtls.key"), "--api-tls-client-ca", client.certFile,
    ]);
    const server = ["--server", `https://127.0.0.1:${p.port}`, "--server-ca", file("mtls-ca.crt")];
    const anonymous = await runScriba(["note", "list", "projects/mtls", ...server]);
    assert.notEqual(anonymous.code, 0, "a client without a certificate must not be served");
    const known = await runScriba(["note", "list", "projects/mtls", ...server, "--client-cert", client.certFile, "--client-key", client.keyFile]);
    assert.equal(known.code, 0, known.stderr);
    assert.equal((await p.stop()).code, 0);
  });

  test("--api-tls-cert without --api-tls-key exits 2 naming both flags", async () => {
    writeFileSync(file("lonely.crt"), "not read");
    const run = await runScriba(["serve", "--listen", "127.0.0.1:0", "--storage", "memory", "--api-tls-cert", file("lonely.crt")]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--api-tls-cert and --api-tls-key go together/);
    assert.doesNotMatch(run.stdout, /serving/);
  });

  test("an unreadable --api-tls-key exits 2 naming the flag and the file", async () => {
    writeFileSync(file("present.crt"), "not read");
    const missing = file("missing.key");
    const run = await runScriba(["serve", "--listen", "127.0.0.1:0", "--storage", "memory", "--api-tls-cert", file("present.crt"), "--api-tls-key", missing]);
    assert.equal(run.code, 2);
    assert.ok(run.stderr.includes(`--api-tls-key ${missing} cannot be read: ENOENT`), run.stderr);
  });

  test("data written before a restart is there after it", async () => {
    const db = file("restart.db");
    const first = await serve(["--listen", "127.0.0.1:0", "--storage", `sqlite:${db}`]);
    const created = okJson(await http(first.baseUrl, "POST", "/v1/projects/restart/notes?noteId=qa", { body: attestationNote() }));
    assert.equal((await first.stop()).code, 0);
    const second = await serve(["--listen", "127.0.0.1:0", "--storage", `sqlite:${db}`]);
    assert.deepEqual(okJson(await http(second.baseUrl, "GET", "/v1/projects/restart/notes/qa")), created);
    assert.equal((await second.stop()).code, 0);
  });

  test("takes its listen address and storage from SCRIBA_LISTEN and SCRIBA_STORAGE", async () => {
    const db = file("from-env.db");
    const p = await serve([], { SCRIBA_LISTEN: "127.0.0.1:0", SCRIBA_STORAGE: `sqlite:${db}` });
    assert.equal(p.host, "127.0.0.1");
    assert.equal(storageOf(p), `sqlite:${db}`);
    okJson(await http(p.baseUrl, "POST", "/v1/projects/env/notes?noteId=qa", { body: attestationNote() }));
    assert.ok(existsSync(db));
    assert.equal((await p.stop()).code, 0);
  });

  test("takes its settings from --config file.yaml, nested keys included", async () => {
    const db = file("from-file.db");
    const config = file("scriba.yaml");
    writeFileSync(config, [`listen: "127.0.0.1:0"`, `storage: "sqlite:${db}"`, "limits:", "  maxRequestBytes: 2048", "logLevel: info", ""].join("\n"));
    const p = await serve(["--config", config]);
    assert.equal(storageOf(p), `sqlite:${db}`);
    const tooLarge = await http(p.baseUrl, "POST", "/v1/projects/file/notes?noteId=qa", { body: JSON.stringify(attestationNote()) + " ".repeat(2048) });
    assert.equal(tooLarge.status, 413);
    okJson(await http(p.baseUrl, "POST", "/v1/projects/file/notes?noteId=qa", { body: attestationNote() }));
    assert.equal((await p.stop()).code, 0);
  });

  test("takes the config file from SCRIBA_CONFIG", async () => {
    const config = file("env-config.yaml");
    writeFileSync(config, `listen: "127.0.0.1:0"\nstorage: memory\n`);
    const p = await serve([], { SCRIBA_CONFIG: config });
    assert.equal(storageOf(p), "memory");
    assert.equal((await p.stop()).code, 0);
  });

  test("a flag overrides the environment, which overrides the config file", async () => {
    const config = file("precedence.yaml");
    // The file's listen address is not even valid: a setting that is overridden is never used.
    writeFileSync(config, `listen: "not-an-address"\nstorage: "sqlite:${file("p-file.db")}"\n`);
    const env = { SCRIBA_LISTEN: "127.0.0.1:0", SCRIBA_STORAGE: `sqlite:${file("p-env.db")}` };

    const envOverFile = await serve(["--config", config], env);
    assert.equal(storageOf(envOverFile), `sqlite:${file("p-env.db")}`);
    assert.equal((await envOverFile.stop()).code, 0);

    const flagOverEnv = await serve(["--config", config, "--storage", `sqlite:${file("p-flag.db")}`], env);
    assert.equal(storageOf(flagOverEnv), `sqlite:${file("p-flag.db")}`);
    assert.equal((await flagOverEnv.stop()).code, 0);

    assert.ok(existsSync(file("p-env.db")) && existsSync(file("p-flag.db")));
    assert.ok(!existsSync(file("p-file.db")), "the file's storage was never opened");
  });

  test("a bad --storage value exits 2 with a message naming the flag and the choices", async () => {
    const run = await runScriba(["serve", "--listen", "127.0.0.1:0", "--storage", "mysql://db"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^scriba serve: --storage: --storage must be memory, sqlite:PATH or postgres:\/\/USER@HOST:PORT\/DB, got "mysql:\/\/db"$/m);
    assert.doesNotMatch(run.stdout, /serving/);
  });

  test("a bad SCRIBA_STORAGE exits 2 naming the variable", async () => {
    const run = await runScriba(["serve", "--listen", "127.0.0.1:0"], { env: { SCRIBA_STORAGE: "sqlite:" } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /SCRIBA_STORAGE: --storage sqlite:PATH needs a file path/);
  });

  test("an unknown key in the config file exits 2 naming the key and the file", async () => {
    const config = file("unknown-key.yaml");
    writeFileSync(config, `listen: "127.0.0.1:0"\nstorage: memory\nlimits:\n  maxRequestByte: 10\n`);
    const run = await runScriba(["serve", "--config", config]);
    assert.equal(run.code, 2);
    assert.ok(run.stderr.includes(`config file ${config}: unknown setting "limits.maxRequestByte"`), run.stderr);
  });

  test("a bad --listen address exits 2 with the expected form", async () => {
    const run = await runScriba(["serve", "--listen", "localhost", "--storage", "memory"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--listen: listen address must be HOST:PORT/);
  });

  test("a page token key shorter than 32 bytes exits 2", async () => {
    const run = await runScriba(["serve", "--listen", "127.0.0.1:0", "--storage", "memory", "--page-token-key", "c2hvcnQ="]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--page-token-key: pageTokenKey must encode at least 32 bytes/);
  });

  test("an unreachable PostgreSQL stops start-up with a message naming the target but not the password", async () => {
    const run = await runScriba(["serve", "--listen", "127.0.0.1:0", "--storage", "postgres://postgres:s3cret@127.0.0.1:1/none"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /127\.0\.0\.1:1\/none/);
    assert.doesNotMatch(run.stderr, /s3cret/);
    assert.doesNotMatch(run.stdout, /serving/);
  });

  for (const synchronous of ["FULL", "NORMAL"] as const) {
    test(`no acknowledged write is lost when the process is killed (--sqlite-synchronous ${synchronous})`, async () => {
      const db = file(`killed-${synchronous}.db`);
      const args = ["--listen", "127.0.0.1:0", "--storage", `sqlite:${db}`, "--sqlite-synchronous", synchronous];
      const first = await serve(args);
      const acknowledged: string[] = [];
      for (let i = 0; i < 40; i++) {
        const reply = await http(first.baseUrl, "POST", `/v1/projects/killed/notes?noteId=n${i}`, { body: attestationNote() });
        if (reply.status === 200) acknowledged.push(reply.json.name as string);
      }
      assert.equal(acknowledged.length, 40);
      const killed = await first.stop("SIGKILL");
      assert.equal(killed.signal, "SIGKILL");
      const second = await serve(args);
      const listed = okJson(await http(second.baseUrl, "GET", "/v1/projects/killed/notes?pageSize=1000"));
      assert.deepEqual(listed.notes.map((n: { name: string }) => n.name).sort(), [...acknowledged].sort());
      assert.equal((await second.stop()).code, 0);
    });
  }

  test("two processes updating different fields of one note at once lose neither update", async () => {
    const db = file("concurrent.db");
    const [a, b] = await Promise.all([
      serve(["--listen", "127.0.0.1:0", "--storage", `sqlite:${db}`]),
      serve(["--listen", "127.0.0.1:0", "--storage", `sqlite:${db}`]),
    ]);
    okJson(await http(a.baseUrl, "POST", "/v1/projects/concurrent/notes?noteId=qa", { body: attestationNote() }));
    const writer = async (base: string, field: "shortDescription" | "longDescription", prefix: string) => {
      for (let i = 0; i < 25; i++) {
        const reply = await http(base, "PATCH", `/v1/projects/concurrent/notes/qa?updateMask=${field}`, { body: { [field]: `${prefix}${i}` } });
        assert.equal(reply.status, 200, reply.text);
      }
    };
    await Promise.all([writer(a.baseUrl, "shortDescription", "a"), writer(b.baseUrl, "longDescription", "b")]);
    const note = okJson(await http(b.baseUrl, "GET", "/v1/projects/concurrent/notes/qa"));
    assert.equal(note.shortDescription, "a24");
    assert.equal(note.longDescription, "b24");
    for (const exit of await Promise.all([a.stop(), b.stop()])) assert.equal(exit.code, 0, exit.stderr);
  });

  test("two processes with the same --page-token-key on one SQLite file accept each other's page tokens", async () => {
    const db = file("shared.db");
    const key = randomBytes(32).toString("base64");
    const [a, b, c] = await Promise.all([
      serve(["--listen", "127.0.0.1:0", "--storage", `sqlite:${db}`, "--page-token-key", key]),
      serve(["--listen", "127.0.0.1:0", "--storage", `sqlite:${db}`], { SCRIBA_PAGE_TOKEN_KEY: key }),
      serve(["--listen", "127.0.0.1:0", "--storage", `sqlite:${db}`, "--page-token-key", randomBytes(32).toString("hex")]),
    ]);
    okJson(await http(a.baseUrl, "POST", "/v1/projects/shared/notes:batchCreate", {
      body: { notes: Object.fromEntries(["a", "b", "c", "d", "e"].map((id) => [id, attestationNote(id)])) },
    }));
    const page1 = okJson(await http(a.baseUrl, "GET", "/v1/projects/shared/notes?pageSize=3"));
    const page2 = okJson(await http(b.baseUrl, "GET", `/v1/projects/shared/notes?pageSize=3&pageToken=${q(page1.nextPageToken)}`));
    const names = [...page1.notes, ...page2.notes].map((n: { name: string }) => n.name).sort();
    assert.deepEqual(names, ["a", "b", "c", "d", "e"].map((id) => `projects/shared/notes/${id}`));
    assert.equal(page2.nextPageToken, undefined);
    const refused = await http(c.baseUrl, "GET", `/v1/projects/shared/notes?pageSize=3&pageToken=${q(page1.nextPageToken)}`);
    assert.equal(refused.status, 400);
    assert.match(refused.json.error.message, /invalid page token/);
    for (const exit of await Promise.all([a, b, c].map((p) => p.stop()))) assert.equal(exit.code, 0, exit.stderr);
  });
});
