/** `scriba note …` against a real Scriba server on loopback. */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CliServer, unusedLoopbackUrl } from "../__fixtures__/cli-server.js";

let cli: CliServer;
let qaFile: string;

const attestationNote = (name: string, description = `the ${name} authority`) =>
  JSON.stringify({ shortDescription: description, attestation: { hint: { humanReadableName: name } } });

before(async () => {
  cli = await CliServer.start();
  qaFile = cli.file("qa.json", attestationNote("qa"));
});

after(async () => {
  await cli.stop();
});

describe("scriba note create and get", () => {
  test("create prints the new note as a table row with name, kind, description and create time", async () => {
    const run = await cli.run(["note", "create", "projects/crud/notes/qa", "-f", qaFile]);
    assert.equal(run.code, 0, run.stderr);
    const [header, row, ...rest] = run.stdout.trimEnd().split("\n");
    assert.match(header ?? "", /^NAME\s+KIND\s+DESCRIPTION\s+CREATED$/);
    assert.match(row ?? "", /^projects\/crud\/notes\/qa\s+ATTESTATION\s+the qa authority\s+\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    assert.equal(rest.length, 0);
  });

  test("get -o json prints the note as proto3 JSON", async () => {
    const run = await cli.run(["note", "get", "projects/crud/notes/qa", "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const note = JSON.parse(run.stdout);
    assert.equal(note.name, "projects/crud/notes/qa");
    assert.equal(note.kind, "ATTESTATION");
    assert.deepEqual(note.attestation, { hint: { humanReadableName: "qa" } });
    assert.match(note.createTime, /Z$/);
  });

  test("creating a note that exists fails with exit 1 and the server's message", async () => {
    const run = await cli.run(["note", "create", "projects/crud/notes/qa", "-f", qaFile]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^scriba note: .*projects\/crud\/notes\/qa.*already exists/);
  });

  test("a file that is not v1 Note JSON is a usage error naming the file", async () => {
    const typo = cli.file("typo.json", JSON.stringify({ attestationAuthority: { hint: { humanReadableName: "qa" } } }));
    const run = await cli.run(["note", "create", "projects/crud/notes/typo", "-f", typo]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /typo\.json is not valid grafeas\.v1\.Note JSON/);
    assert.equal((await cli.run(["note", "create", "projects/crud/notes/typo", "-f", cli.file("broken.json", "{")])).code, 2);
  });

  test("get of a missing note fails with exit 1", async () => {
    const run = await cli.run(["note", "get", "projects/crud/notes/missing"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /projects\/crud\/notes\/missing/);
  });
});

describe("scriba note list", () => {
  before(async () => {
    for (const name of ["a", "b", "c", "d", "e"]) {
      const file = cli.file(`${name}.json`, attestationNote(name, name === "c" ? "special" : `note ${name}`));
      assert.equal((await cli.run(["note", "create", `projects/listing/notes/${name}`, "-f", file])).code, 0);
    }
  });

  test("lists every note of a project as a table by default", async () => {
    const run = await cli.run(["note", "list", "projects/listing"]);
    assert.equal(run.code, 0, run.stderr);
    const names = run.stdout.trimEnd().split("\n").slice(1).map((line) => line.split(/\s+/)[0]);
    assert.deepEqual(names, ["a", "b", "c", "d", "e"].map((n) => `projects/listing/notes/${n}`));
  });

  test("-o json prints one proto3 JSON array", async () => {
    const run = await cli.run(["note", "list", "listing", "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const notes = JSON.parse(run.stdout);
    assert.ok(Array.isArray(notes));
    assert.equal(notes.length, 5);
    assert.equal(notes[2].shortDescription, "special");
  });

  test("--filter is applied by the server", async () => {
    const run = await cli.run(["note", "list", "projects/listing", "--filter", 'shortDescription="special"', "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).map((n: { name: string }) => n.name), ["projects/listing/notes/c"]);
  });

  test("--page-size alone prints one page and the next page token on stderr; --page-token continues", async () => {
    const first = await cli.run(["note", "list", "projects/listing", "--page-size", "2", "-o", "json"]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).length, 2);
    const token = /^more results: --page-token (\S+)$/m.exec(first.stderr)?.[1];
    assert.ok(token, first.stderr);
    const second = await cli.run(["note", "list", "projects/listing", "--page-size", "2", "--page-token", token, "-o", "json"]);
    assert.deepEqual(JSON.parse(second.stdout).map((n: { name: string }) => n.name), ["projects/listing/notes/c", "projects/listing/notes/d"]);
  });

  test("--all with --page-size fetches every page", async () => {
    const run = await cli.run(["note", "list", "projects/listing", "--page-size", "2", "--all", "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).length, 5);
    assert.equal(run.stderr, "");
  });

  test("a malformed filter is a usage error with the server's explanation", async () => {
    const run = await cli.run(["note", "list", "projects/listing", "--filter", "kind = = x"]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^scriba note: /);
  });
});

describe("scriba note delete", () => {
  test("deletes a note, which then is gone", async () => {
    const file = cli.file("doomed.json", attestationNote("doomed"));
    assert.equal((await cli.run(["note", "create", "projects/crud/notes/doomed", "-f", file])).code, 0);
    const run = await cli.run(["note", "delete", "projects/crud/notes/doomed"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, "Deleted projects/crud/notes/doomed\n");
    assert.equal((await cli.run(["note", "get", "projects/crud/notes/doomed"])).code, 1);
  });

  test("refuses to delete a note that still has occurrences", async () => {
    const file = cli.file("used.json", attestationNote("used"));
    assert.equal((await cli.run(["note", "create", "projects/crud/notes/used", "-f", file])).code, 0);
    const occurrence = cli.file(
      "used-occurrence.json",
      JSON.stringify({ resourceUri: "https://gcr.io/p/a@sha256:1", noteName: "projects/crud/notes/used", attestation: { serializedPayload: "cGF5bG9hZA==" } }),
    );
    assert.equal((await cli.run(["occurrence", "create", "projects/crud", "-f", occurrence])).code, 0);
    const run = await cli.run(["note", "delete", "projects/crud/notes/used"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /projects\/crud\/notes\/used/);
    assert.equal((await cli.run(["note", "get", "projects/crud/notes/used"])).code, 0);
  });
});

describe("scriba note usage", () => {
  test("an unknown action, a flag of another action and a missing name are usage errors", async () => {
    assert.equal((await cli.run(["note", "rename", "projects/crud/notes/qa"])).code, 2);
    const misplaced = await cli.run(["note", "get", "projects/crud/notes/qa", "-f", qaFile]);
    assert.equal(misplaced.code, 2);
    assert.match(misplaced.stderr, /--file does not apply to get/);
    assert.equal((await cli.run(["note", "get"])).code, 2);
    assert.equal((await cli.run(["note"])).code, 2);
  });

  test("an unreachable server fails with exit 1 and an UNAVAILABLE message", async () => {
    const url = await unusedLoopbackUrl();
    const run = await cli.run(["note", "list", "projects/crud", "--server", url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`cannot reach the Grafeas server at ${url}: ECONNREFUSED`));
  });

  test("--help describes the actions and the connection settings", async () => {
    const run = await cli.run(["note", "--help"]);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /scriba note create projects\/P\/notes\/N -f note\.json/);
    assert.match(run.stdout, /--server URL[\s\S]*env SCRIBA_SERVER/);
  });
});
