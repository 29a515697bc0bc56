/**
 * A listing is a conversation a client may hold with any replica: a page token
 * issued by one `scriba serve` process is honoured by another sharing the same
 * database and page-token key, over REST and gRPC, and refused (400 /
 * INVALID_ARGUMENT, never a silent restart from the first page) by a replica
 * whose key differs.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { expectFailure } from "../support/grafeas-clients.js";
import { attestationNote, attestationOccurrence, imageUrl } from "../support/grafeas-fixtures.js";
import { http, okJson, q } from "../support/http.js";
import { describeWithReplicas, newPageTokenKey, startReplicas, stopReplicas, type Replica } from "../support/scriba-replicas.js";

const project = "projects/paging";
const pageSize = 5;
const total = 23;

interface RestPage {
  readonly names: string[];
  readonly nextPageToken: string;
}

async function restPage(replica: Replica, token: string): Promise<RestPage> {
  const tokenParam = token === "" ? "" : `&pageToken=${q(token)}`;
  const reply = okJson(await http(replica.baseUrl, "GET", `/v1/${project}/occurrences?pageSize=${pageSize}${tokenParam}`));
  return { names: ((reply.occurrences ?? []) as { name: string }[]).map((o) => o.name), nextPageToken: reply.nextPageToken ?? "" };
}

async function grpcPage(replica: Replica, token: string): Promise<RestPage> {
  const [occurrences, , response] = await replica.clients.grpc.listOccurrences({ parent: project, pageSize, pageToken: token }, { autoPaginate: false });
  return { names: occurrences.map((o) => o.name!), nextPageToken: response?.nextPageToken ?? "" };
}

/** Follows a listing to its end, asking `pageFrom(i)` for the i-th page; returns every name and which replica served each page. */
async function walk(pageFrom: (i: number) => { replica: Replica; read: typeof restPage }): Promise<{ names: string[]; servedBy: string[] }> {
  const names: string[] = [];
  const servedBy: string[] = [];
  let token = "";
  for (let i = 0; ; i++) {
    assert.ok(i < 20, "the pages never end");
    const { replica, read } = pageFrom(i);
    const page = await read(replica, token);
    names.push(...page.names);
    servedBy.push(replica.label);
    token = page.nextPageToken;
    if (token === "") return { names, servedBy };
  }
}

describeWithReplicas("pagination across replicas", { count: 2 }, (fleet) => {
  /** The occurrences in creation order, created alternately through both replicas. */
  let created: string[] = [];

  before(async () => {
    const [note] = await fleet.at(0).clients.grpc.createNote({ parent: project, noteId: "n", note: attestationNote() });
    created = [];
    for (let i = 0; i < total; i++) {
      const [o] = await fleet.at(i % 2).clients.grpc.createOccurrence({ parent: project, occurrence: attestationOccurrence(note.name!, imageUrl(`page-${i}`)) });
      created.push(o.name!);
    }
  });

  test("a REST listing started on replica A continues on replica B, page after page, without repeating or skipping", async () => {
    const { names, servedBy } = await walk((i) => ({ replica: fleet.at(i % 2), read: restPage }));
    assert.deepEqual(names, created);
    assert.deepEqual(servedBy, ["A", "B", "A", "B", "A"]);
  });

  test("a gRPC listing started on replica B continues on replica A", async () => {
    const { names, servedBy } = await walk((i) => ({ replica: fleet.at((i + 1) % 2), read: grpcPage }));
    assert.deepEqual(names, created);
    assert.deepEqual(servedBy, ["B", "A", "B", "A", "B"]);
  });

  test("a token from a REST page on one replica continues the listing over gRPC on the other", async () => {
    const { names } = await walk((i) => (i % 2 === 0 ? { replica: fleet.at(0), read: restPage } : { replica: fleet.at(1), read: grpcPage }));
    assert.deepEqual(names, created);
  });

  describe("a replica with a different page-token key on the same database", () => {
    let stranger: Replica[] = [];

    before(async () => {
      stranger = await startReplicas(1, { storage: fleet.database.url, pageTokenKey: newPageTokenKey(), firstLabel: "C" });
    });

    after(() => stopReplicas(stranger));

    test("it serves the same data, and its own tokens work on itself", async () => {
      const c = stranger[0]!;
      const { names } = await walk(() => ({ replica: c, read: restPage }));
      assert.deepEqual(names, created);
    });

    test("it refuses a token from replica A with 400 INVALID_ARGUMENT over REST and gRPC", async () => {
      const c = stranger[0]!;
      const { nextPageToken } = await restPage(fleet.at(0), "");
      assert.notEqual(nextPageToken, "");
      const reply = await http(c.baseUrl, "GET", `/v1/${project}/occurrences?pageSize=${pageSize}&pageToken=${q(nextPageToken)}`);
      assert.equal(reply.status, 400, reply.text);
      assert.equal(reply.json.error.status, "INVALID_ARGUMENT");
      assert.match(reply.json.error.message, /page.?token/i);
      assert.equal(reply.json.occurrences, undefined, "no page, not even the first, is served for a foreign token");
      await expectFailure("gRPC", c.clients.grpc.listOccurrences({ parent: project, pageSize, pageToken: nextPageToken }, { autoPaginate: false }), "INVALID_ARGUMENT");
    });

    test("replicas A and B refuse its tokens with 400 INVALID_ARGUMENT", async () => {
      const { nextPageToken } = await grpcPage(stranger[0]!, "");
      assert.notEqual(nextPageToken, "");
      for (const replica of fleet.replicas) {
        const reply = await http(replica.baseUrl, "GET", `/v1/${project}/occurrences?pageSize=${pageSize}&pageToken=${q(nextPageToken)}`);
        assert.equal(reply.status, 400, `replica ${replica.label}: ${reply.text}`);
        assert.equal(reply.json.error.status, "INVALID_ARGUMENT");
        await expectFailure("REST", replica.clients.rest.listOccurrences({ parent: project, pageSize, pageToken: nextPageToken }, { autoPaginate: false }), "INVALID_ARGUMENT");
      }
    });
  });
});
