/** `scriba occurrence …` against a real Scriba server on loopback. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type RestStandIn, startRestStandIn } from "../../admission/__fixtures__/grafeas-rest-stand-in.js";
import { TestTls } from "../../admission/__fixtures__/test-tls.js";
import { CliServer, unusedLoopbackUrl } from "../__fixtures__/cli-server.js";

const note = "projects/authority/notes/qa";

let cli: CliServer;

function occurrenceFile(name: string, resourceUri: string, noteName = note): string {
  return cli.file(`${name}.json`, JSON.stringify({ resourceUri, noteName, attestation: { serializedPayload: Buffer.from(resourceUri).toString("base64") } }));
}

async function createOccurrence(project: string, name: string, resourceUri: string): Promise<Record<string, unknown>> {
  const run = await cli.run(["occurrence", "create", project, "-f", occurrenceFile(name, resourceUri), "-o", "json"]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

before(async () => {
  cli = await CliServer.start();
  const noteFile = cli.file("qa.json", JSON.stringify({ attestation: { hint: { humanReadableName: "qa" } } }));
  assert.equal((await cli.run(["note", "create", note, "-f", noteFile])).code, 0);
});

after(async () => {
  await cli.stop();
});

describe("scriba occurrence create and get", () => {
  test("create prints the new occurrence, named by the server, as a table row", async () => {
    const run = await cli.run(["occurrence", "create", "projects/app", "-f", occurrenceFile("first", "https://gcr.io/p/first@sha256:1")]);
    assert.equal(run.code, 0, run.stderr);
    const [header, row] = run.stdout.trimEnd().split("\n");
    assert.match(header ?? "", /^NAME\s+KIND\s+RESOURCE\s+CREATED$/);
    assert.match(row ?? "", /^projects\/app\/occurrences\/[0-9a-f-]{36}\s+ATTESTATION\s+https:\/\/gcr\.io\/p\/first@sha256:1\s+\S+Z$/);
  });

  test("get -o json prints what create returned", async () => {
    const created = await createOccurrence("projects/app", "second", "https://gcr.io/p/second@sha256:2");
    const run = await cli.run(["occurrence", "get", String(created["name"]), "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), created);
  });

  test("an occurrence of a missing note is refused with exit 1", async () => {
    const run = await cli.run(["occurrence", "create", "projects/app", "-f", occurrenceFile("orphan", "https://gcr.io/p/x@sha256:1", "projects/authority/notes/missing")]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /projects\/authority\/notes\/missing/);
  });
});

describe("scriba occurrence list", () => {
  before(async () => {
    await createOccurrence("projects/team-a", "a1", "https://gcr.io/p/listed@sha256:1");
    await createOccurrence("projects/team-a", "a2", "https://gcr.io/p/listed@sha256:2");
    await createOccurrence("projects/team-b", "b1", "https://gcr.io/p/listed@sha256:1");
  });

  test("lists a project's occurrences as a table", async () => {
    const run = await cli.run(["occurrence", "list", "projects/team-a"]);
    assert.equal(run.code, 0, run.stderr);
    const rows = run.stdout.trimEnd().split("\n").slice(1);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((row) => row.startsWith("projects/team-a/occurrences/")));
  });

  test("--note lists the note's occurrences from every project, as one JSON array", async () => {
    const run = await cli.run(["occurrence", "list", "--note", note, "--filter", 'resourceUri="https://gcr.io/p/listed@sha256:1"', "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const projects = (JSON.parse(run.stdout) as { name: string }[]).map((o) => o.name.split("/")[1]).sort();
    assert.deepEqual(projects, ["team-a", "team-b"]);
  });

  test("a project and --note together are a usage error", async () => {
    assert.equal((await cli.run(["occurrence", "list", "projects/team-a", "--note", note])).code, 2);
  });
});

describe("scriba occurrence delete", () => {
  test("deletes an occurrence, which then is gone", async () => {
    const created = await createOccurrence("projects/app", "doomed", "https://gcr.io/p/doomed@sha256:3");
    const run = await cli.run(["occurrence", "delete", String(created["name"]), "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { deleted: created["name"] });
    assert.equal((await cli.run(["occurrence", "get", String(created["name"])])).code, 1);
  });

  test("a malformed occurrence name is a usage error", async () => {
    const run = await cli.run(["occurrence", "delete", "projects/app/notes/qa"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /occurrence name must be in the form "projects\/\[PROJECT_ID\]\/occurrences\/\[OCCURRENCE_ID\]"/);
  });

  test("an unreachable server fails with exit 1 and an UNAVAILABLE message", async () => {
    const url = await unusedLoopbackUrl();
    const run = await cli.run(["occurrence", "get", "projects/app/occurrences/x"], { SCRIBA_SERVER: url });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`cannot reach the Grafeas server at ${url}: ECONNREFUSED`));
  });
});

describe("scriba occurrence list from an https server with a private CA", () => {
  let tls: TestTls;
  let secure: RestStandIn;
  before(async () => {
    await createOccurrence("projects/behind-tls", "t1", "https://gcr.io/p/tls@sha256:1");
    tls = TestTls.create();
    // A stand-in REST edge over the same GrafeasService, serving https with a certificate of the test CA.
    secure = await startRestStandIn(cli.server.services.grafeas, { cert: tls.cert, key: tls.key });
  });
  after(async () => {
    await secure.close();
    tls.remove();
  });

  test("--server-ca makes the server trusted", async () => {
    const run = await cli.run(["occurrence", "list", "projects/behind-tls", "--server", secure.url, "--server-ca", tls.caFile, "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual((JSON.parse(run.stdout) as { resourceUri: string }[]).map((o) => o.resourceUri), ["https://gcr.io/p/tls@sha256:1"]);
  });

  test("without it the server is not trusted, and the command says it could not reach it", async () => {
    const run = await cli.run(["occurrence", "list", "projects/behind-tls", "--server", secure.url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`cannot reach the Grafeas server at ${secure.url}: `));
  });

  test("an unreadable --server-ca file is a usage error naming it", async () => {
    const run = await cli.run(["occurrence", "list", "projects/behind-tls", "--server", secure.url], { SCRIBA_SERVER_CA: `${tls.dir}/missing.crt` });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--server-ca .*missing\.crt cannot be read: ENOENT/);
  });
});
