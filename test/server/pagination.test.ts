/**
 * Pagination as clients use it: the default and maximum page sizes, a stable
 * order, the official client's auto-pagination over both transports, an empty
 * token on the last page, tokens that cannot be forged or replayed against
 * another request, and tokens that keep working on another server sharing the
 * same store and page token key.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { expectFailure, grafeasClients, transportNames, type GrafeasClients } from "../support/grafeas-clients.js";
import { attestationNote, attestationOccurrence, imageUrl } from "../support/grafeas-fixtures.js";
import { http, okJson, q } from "../support/http.js";
import { startTestServer, storeKinds, uniqueProject, type TestServer } from "../support/test-server.js";

/** Every name of a list, following raw REST pages of `pageSize` until the token is empty. */
async function allPages(base: string, path: string, field: string, pageSize: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let token = "";
  let pages = 0;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const reply = okJson(await http(base, "GET", `${path}${separator}pageSize=${pageSize}${token ? `&pageToken=${q(token)}` : ""}`));
    pages += 1;
    names.push(...((reply[field] ?? []) as { name: string }[]).map((o) => o.name));
    token = reply.nextPageToken ?? "";
    assert.ok(pages <= 1000, "the pages never end");
  } while (token !== "");
  return { names, pages };
}

/** Alters one character of the token's sealed body, keeping it well-formed base64url. */
function tampered(token: string): string {
  const i = Math.floor(token.indexOf(".") / 2);
  const replacement = token[i] === "A" ? "B" : "A";
  return `${token.slice(0, i)}${replacement}${token.slice(i + 1)}`;
}

for (const store of storeKinds) {
  describe(`pagination (${store} store)`, { timeout: 120_000 }, () => {
    let server: TestServer;
    let clients: GrafeasClients;
    let base: string;
    /** 25 occurrences of one note, in creation order. */
    let paging: string;
    let pagingNames: string[];
    /** 1005 occurrences: more than the largest page. */
    let big: string;

    before(async () => {
      server = await startTestServer({ store });
      base = server.baseUrl;
      clients = grafeasClients(server.port);
      paging = uniqueProject("paging");
      big = uniqueProject("paging-big");
      await clients.grpc.createNote({ parent: `projects/${paging}`, noteId: "qa", note: attestationNote() });
      const note = `projects/${paging}/notes/qa`;
      pagingNames = [];
      for (let i = 0; i < 25; i++) {
        const [o] = await clients.grpc.createOccurrence({ parent: `projects/${paging}`, occurrence: attestationOccurrence(note, imageUrl(`p${i}`)) });
        pagingNames.push(o.name!);
      }
      for (const count of [1000, 5]) {
        await clients.grpc.batchCreateOccurrences({
          parent: `projects/${big}`,
          occurrences: Array.from({ length: count }, (_, i) => attestationOccurrence(note, imageUrl(`b${count}-${i}`))),
        });
      }
    });

    after(async () => {
      await clients?.close();
      await server?.close();
    });

    test("the default page size is 20", async () => {
      const reply = okJson(await http(base, "GET", `/v1/projects/${paging}/occurrences`));
      assert.equal(reply.occurrences.length, 20);
      assert.equal(typeof reply.nextPageToken, "string");
      assert.notEqual(reply.nextPageToken, "");
    });

    test("a page size above 1000 is lowered to 1000", async () => {
      const reply = okJson(await http(base, "GET", `/v1/projects/${big}/occurrences?pageSize=5000`));
      assert.equal(reply.occurrences.length, 1000);
      assert.notEqual(reply.nextPageToken ?? "", "");
      const rest = okJson(await http(base, "GET", `/v1/projects/${big}/occurrences?pageSize=5000&pageToken=${q(reply.nextPageToken)}`));
      assert.equal(rest.occurrences.length, 5);
      assert.equal(rest.nextPageToken, undefined);
    });

    test("the order is stable: creation order, the same on every listing and across page sizes", async () => {
      const whole = okJson(await http(base, "GET", `/v1/projects/${paging}/occurrences?pageSize=1000`));
      assert.deepEqual(whole.occurrences.map((o: { name: string }) => o.name), pagingNames);
      for (const size of [1, 7, 20, 25]) {
        const { names } = await allPages(base, `/v1/projects/${paging}/occurrences`, "occurrences", size);
        assert.deepEqual(names, pagingNames, `pages of ${size}`);
      }
    });

    test("the last page carries no token, also when the count is a multiple of the page size", async () => {
      const sevens = await allPages(base, `/v1/projects/${paging}/occurrences`, "occurrences", 7);
      assert.equal(sevens.pages, 4);
      const fives = await allPages(base, `/v1/projects/${paging}/occurrences`, "occurrences", 5);
      assert.deepEqual(fives.names, pagingNames);
      assert.equal(fives.pages, 5, "no empty page after the last full one");
    });

    test("objects created between pages are listed later, and none is skipped or repeated", async () => {
      const p = uniqueProject("paging-growing");
      const note = `projects/${paging}/notes/qa`;
      const created: string[] = [];
      const add = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const [o] = await clients.grpc.createOccurrence({ parent: `projects/${p}`, occurrence: attestationOccurrence(note, imageUrl(`g${created.length}`)) });
          created.push(o.name!);
        }
      };
      await add(12);
      const first = okJson(await http(base, "GET", `/v1/projects/${p}/occurrences?pageSize=5`));
      await add(4);
      let token: string = first.nextPageToken;
      const names = first.occurrences.map((o: { name: string }) => o.name);
      while (token) {
        const page = okJson(await http(base, "GET", `/v1/projects/${p}/occurrences?pageSize=5&pageToken=${q(token)}`));
        names.push(...page.occurrences.map((o: { name: string }) => o.name));
        token = page.nextPageToken ?? "";
      }
      assert.deepEqual(names, created);
    });

    for (const transport of transportNames) {
      const client = () => (transport === "gRPC" ? clients.grpc : clients.rest);

      test(`${transport}: the client's first page without a page size holds 20 and asks for more`, async () => {
        const [items, next] = await client().listOccurrences({ parent: `projects/${paging}` }, { autoPaginate: false });
        assert.equal(items.length, 20);
        assert.ok(next?.pageToken, "a next request with a token");
      });

      test(`${transport}: auto-pagination returns every occurrence exactly once, in order`, async () => {
        const [items] = await client().listOccurrences({ parent: `projects/${paging}`, pageSize: 6 });
        assert.deepEqual(items.map((o) => o.name), pagingNames);
      });

      test(`${transport}: the async iterator walks every page of 1005 occurrences`, async () => {
        const seen = new Set<string>();
        let count = 0;
        for await (const o of client().listOccurrencesAsync({ parent: `projects/${big}`, pageSize: 400 })) {
          seen.add(o.name!);
          count += 1;
        }
        assert.equal(count, 1005);
        assert.equal(seen.size, 1005);
      });

      test(`${transport}: auto-pagination of ListNotes and ListNoteOccurrences returns everything once`, async () => {
        const p = uniqueProject(`${transport.toLowerCase()}-paging-notes`);
        const ids = Array.from({ length: 23 }, (_, i) => `n${String(i).padStart(2, "0")}`);
        await client().batchCreateNotes({ parent: `projects/${p}`, notes: Object.fromEntries(ids.map((id) => [id, attestationNote(id)])) });
        const [notes] = await client().listNotes({ parent: `projects/${p}`, pageSize: 4 });
        assert.deepEqual(notes.map((n) => n.name).sort(), ids.map((id) => `projects/${p}/notes/${id}`));
        const [occurrences] = await client().listNoteOccurrences({ name: `projects/${paging}/notes/qa`, pageSize: 9 });
        const names = occurrences.map((o) => o.name!);
        assert.equal(new Set(names).size, names.length);
        for (const name of pagingNames) assert.ok(names.includes(name));
      });

      test(`${transport}: the last page's response has an empty next page token`, async () => {
        const [items, next, response] = await client().listOccurrences(
          { parent: `projects/${paging}`, pageSize: 20, pageToken: (await client().listOccurrences({ parent: `projects/${paging}`, pageSize: 20 }, { autoPaginate: false }))[1]!.pageToken! },
          { autoPaginate: false },
        );
        assert.equal(items.length, 5);
        assert.equal(next, null);
        assert.equal(response?.nextPageToken ?? "", "");
      });

      test(`${transport}: an altered page token is INVALID_ARGUMENT, not a restart from the first page`, async () => {
        const [, next] = await client().listOccurrences({ parent: `projects/${paging}`, pageSize: 3 }, { autoPaginate: false });
        const failure = await expectFailure(
          transport,
          client().listOccurrences({ parent: `projects/${paging}`, pageSize: 3, pageToken: tampered(next!.pageToken!) }, { autoPaginate: false }),
          "INVALID_ARGUMENT",
        );
        assert.match(failure.message, /invalid page token: it was not issued by this server or was altered/);
      });

      test(`${transport}: a page token replayed with another filter is INVALID_ARGUMENT`, async () => {
        const [, next] = await client().listOccurrences({ parent: `projects/${paging}`, pageSize: 3, filter: 'kind="ATTESTATION"' }, { autoPaginate: false });
        const failure = await expectFailure(
          transport,
          client().listOccurrences({ parent: `projects/${paging}`, pageSize: 3, filter: 'kind="BUILD"', pageToken: next!.pageToken! }, { autoPaginate: false }),
          "INVALID_ARGUMENT",
        );
        assert.match(failure.message, /different parent or filter/);
      });

      test(`${transport}: a page token replayed under another parent or method is INVALID_ARGUMENT`, async () => {
        const [, next] = await client().listOccurrences({ parent: `projects/${paging}`, pageSize: 3 }, { autoPaginate: false });
        await expectFailure(
          transport,
          client().listOccurrences({ parent: `projects/${big}`, pageSize: 3, pageToken: next!.pageToken! }, { autoPaginate: false }),
          "INVALID_ARGUMENT",
        );
        await expectFailure(
          transport,
          client().listNoteOccurrences({ name: `projects/${paging}/notes/qa`, pageSize: 3, pageToken: next!.pageToken! }, { autoPaginate: false }),
          "INVALID_ARGUMENT",
        );
      });
    }

    test("REST: a forged token is 400 INVALID_ARGUMENT in Google's error body", async () => {
      const forged = `${Buffer.from("1\nAAAAAAAAAAAAAAAA\n5").toString("base64url")}.${randomBytes(16).toString("base64url")}`;
      const reply = await http(base, "GET", `/v1/projects/${paging}/occurrences?pageToken=${q(forged)}`);
      assert.equal(reply.status, 400);
      assert.equal(reply.json.error.status, "INVALID_ARGUMENT");
      assert.match(reply.json.error.message, /invalid page token/);
    });

    test("no request made the server log an internal error", () => {
      assert.deepEqual(server.errorLog, []);
    });
  });
}

describe("page tokens across servers sharing one SQLite file", { timeout: 60_000 }, () => {
  const key = randomBytes(32);
  let first: TestServer;
  let second: TestServer;
  let stranger: TestServer;
  let p: string;

  before(async () => {
    first = await startTestServer({ store: "sqlite", pageTokenKey: key });
    second = await startTestServer({ store: "sqlite", sqlitePath: first.sqlitePath!, pageTokenKey: key });
    stranger = await startTestServer({ store: "sqlite", sqlitePath: first.sqlitePath!, pageTokenKey: randomBytes(32) });
    p = uniqueProject("shared-tokens");
    okJson(await http(first.baseUrl, "POST", `/v1/projects/${p}/notes:batchCreate`, {
      body: { notes: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`n${i}`, attestationNote(`n${i}`)])) },
    }));
  });

  after(async () => {
    await stranger?.close();
    await second?.close();
    // The first server's close removes the shared file's directory, so it goes last.
    await first?.close();
  });

  test("a token issued by one server continues the listing on another with the same key", async () => {
    const page1 = okJson(await http(first.baseUrl, "GET", `/v1/projects/${p}/notes?pageSize=4`));
    const page2 = okJson(await http(second.baseUrl, "GET", `/v1/projects/${p}/notes?pageSize=4&pageToken=${q(page1.nextPageToken)}`));
    const page3 = okJson(await http(first.baseUrl, "GET", `/v1/projects/${p}/notes?pageSize=4&pageToken=${q(page2.nextPageToken)}`));
    const names = [...page1.notes, ...page2.notes, ...page3.notes].map((n: { name: string }) => n.name);
    assert.deepEqual([...names].sort(), Array.from({ length: 9 }, (_, i) => `projects/${p}/notes/n${i}`));
    assert.equal(page3.nextPageToken, undefined);
  });

  test("a token issued by a server with another key is 400 INVALID_ARGUMENT", async () => {
    const page1 = okJson(await http(first.baseUrl, "GET", `/v1/projects/${p}/notes?pageSize=4`));
    const reply = await http(stranger.baseUrl, "GET", `/v1/projects/${p}/notes?pageSize=4&pageToken=${q(page1.nextPageToken)}`);
    assert.equal(reply.status, 400);
    assert.match(reply.json.error.message, /invalid page token/);
  });
});
