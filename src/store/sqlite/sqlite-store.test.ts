import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { ScribaError } from "../../errors.js";
import { compileFilter } from "../../filter/index.js";
import { describeStoreConformance } from "../conformance.js";
import { namesOf, rejectsWith } from "../conformance/harness.js";
import type { Store } from "../store.js";
import { attestationNote, attestationOccurrence, imageUri, noteRow } from "../test-fixtures.js";
import { busyTimeoutMs, mmapSizeBytes, openDatabase } from "./connection.js";
import { noteOccurrenceListSql, occurrenceListSql } from "./list-sql.js";
import { migrate, schemaVersion } from "./migrate.js";
import { latestSchemaVersion, migrations } from "./schema.js";
import { maxUpdateAttempts, openSqliteStore } from "./sqlite-store.js";
import { spawnStoreChild } from "./testing/store-child.js";

const scratch = mkdtempSync(join(tmpdir(), "scriba-sqlite-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
/** A database path in a directory that does not exist yet (the store must create it). */
const freshPath = () => join(scratch, `case-${++counter}`, "nested", "scriba.db");

describeStoreConformance("the SQLite store", () => Promise.resolve(openSqliteStore({ path: freshPath() })));
describeStoreConformance("the in-memory SQLite store", () => Promise.resolve(openSqliteStore({ path: ":memory:" })));

/** Opens a store on `path`, runs `body`, and closes it. */
async function withStore(path: string, body: (store: Store) => Promise<void>): Promise<void> {
  const store = openSqliteStore({ path });
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

describe("the SQLite store on disk", () => {
  test("data survives closing and reopening the database", async () => {
    const path = freshPath();
    await withStore(path, async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createOccurrence(attestationOccurrence("team", "o1", "projects/signing/notes/qa", imageUri(1)));
    });
    await withStore(path, async (store) => {
      assert.equal((await store.getNote("signing", "qa")).name, "projects/signing/notes/qa");
      assert.equal((await store.listOccurrences("team", { pageSize: 10 })).records.length, 1);
      await store.getProject("team");
    });
  });

  test("two stores on the same file see each other's writes and share its rules", async () => {
    const path = freshPath();
    await withStore(path, async (first) => {
      await withStore(path, async (second) => {
        await first.createNote(attestationNote("p", "n"));
        assert.equal((await second.getNote("p", "n")).name, "projects/p/notes/n");
        await rejectsWith(second.createNote(attestationNote("p", "n")), "ALREADY_EXISTS");
        await second.createOccurrence(attestationOccurrence("p", "o1", "projects/p/notes/n", imageUri(1)));
        await rejectsWith(first.deleteNote("p", "n"), "FAILED_PRECONDITION");
      });
    });
  });

  test("a read sees an update another store committed just before it", async () => {
    const path = freshPath();
    await withStore(path, async (reader) => {
      await withStore(path, async (writer) => {
        await writer.createNote(attestationNote("p", "n"));
        const original = attestationOccurrence("p", "o1", "projects/p/notes/n", imageUri(1));
        await writer.createOccurrence(original);
        assert.equal((await reader.getOccurrence("p", "o1")).json, original.json);
        const changed = attestationOccurrence("p", "o1", "projects/p/notes/n", imageUri(2));
        await writer.updateOccurrence("p", "o1", () => changed);
        assert.deepEqual(await reader.getOccurrence("p", "o1"), { name: changed.name, json: changed.json });
      });
    });
  });

  test("a batch that collides with another store's occurrence names the item and writes nothing", async () => {
    const path = freshPath();
    await withStore(path, async (first) => {
      await withStore(path, async (second) => {
        await first.createNote(attestationNote("p", "n"));
        await first.createOccurrence(attestationOccurrence("p", "taken", "projects/p/notes/n", imageUri(1)));
        const rows = ["o1", "taken", "o2"].map((id, n) => attestationOccurrence("p", id, "projects/p/notes/n", imageUri(n)));
        const error = await rejectsWith(second.batchCreateOccurrences("p", rows), "ALREADY_EXISTS");
        assert.deepEqual(error.violations.map((v) => v.field), ["occurrences[1]"]);
        assert.deepEqual(namesOf(await first.listOccurrences("p", { pageSize: 10 })), ["projects/p/occurrences/taken"]);
        const created = await second.batchCreateOccurrences("p", [rows[0]!, rows[2]!]);
        assert.deepEqual(created.map((r) => r.name), ["projects/p/occurrences/o1", "projects/p/occurrences/o2"]);
      });
    });
  });

  test("point reads issued in the same turn each get their own object, and a missing one NOT_FOUND", async () => {
    await withStore(freshPath(), async (store) => {
      await store.createNote(attestationNote("p", "n"));
      const rows = [1, 2, 3].map((n) => attestationOccurrence("p", `o${n}`, "projects/p/notes/n", imageUri(n)));
      await store.batchCreateOccurrences("p", rows);
      const reads = [
        store.getOccurrence("p", "o3"),
        store.getOccurrence("p", "o1"),
        store.getNote("p", "n"),
        store.getOccurrence("p", "missing"),
        store.getOccurrence("p", "o2"),
      ];
      const [o3, o1, note, missing, o2] = await Promise.allSettled(reads);
      assert.deepEqual(o3, { status: "fulfilled", value: { name: rows[2]!.name, json: rows[2]!.json } });
      assert.deepEqual(o1, { status: "fulfilled", value: { name: rows[0]!.name, json: rows[0]!.json } });
      assert.deepEqual(o2, { status: "fulfilled", value: { name: rows[1]!.name, json: rows[1]!.json } });
      assert.equal(note?.status === "fulfilled" ? note.value.name : note?.reason, "projects/p/notes/n");
      assert.ok(missing?.status === "rejected" && missing.reason instanceof ScribaError && missing.reason.code === "NOT_FOUND");
    });
  });

  test("a point read still waiting when the store closes is refused, not left hanging", async () => {
    const store = openSqliteStore({ path: freshPath() });
    const refused = rejectsWith(store.getOccurrence("p", "o1"), "UNAVAILABLE");
    await store.close();
    await refused;
    await rejectsWith(store.getNote("p", "n"), "UNAVAILABLE");
  });

  test("the store reports its kind and answers ping", async () => {
    await withStore(freshPath(), async (store) => {
      assert.equal(store.kind, "sqlite");
      await store.ping();
    });
  });

  test("WAL, synchronous=FULL, foreign keys, a busy timeout and memory-mapped reads are set by default", () => {
    const db = openDatabase({ path: freshPath() });
    try {
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      assert.equal(db.pragma("synchronous", { simple: true }), 2); // FULL
      assert.equal(db.pragma("foreign_keys", { simple: true }), 1);
      assert.equal(db.pragma("busy_timeout", { simple: true }), busyTimeoutMs);
      assert.equal(db.pragma("mmap_size", { simple: true }), mmapSizeBytes);
    } finally {
      db.close();
    }
  });

  test("synchronous=NORMAL can be chosen", () => {
    const db = openDatabase({ path: freshPath(), synchronous: "NORMAL" });
    try {
      assert.equal(db.pragma("synchronous", { simple: true }), 1); // NORMAL
    } finally {
      db.close();
    }
  });

  test("a file that is not a database is refused as UNAVAILABLE", () => {
    const path = join(scratch, `not-a-db-${++counter}`);
    writeFileSync(path, "this is not SQLite ".repeat(100));
    assert.throws(
      () => openSqliteStore({ path }),
      (error: unknown) => error instanceof ScribaError && error.code === "UNAVAILABLE",
    );
  });
});

describe("SQLite migrations", () => {
  test("a new database is migrated to the latest schema version", () => {
    const db = openDatabase({ path: freshPath() });
    try {
      assert.equal(schemaVersion(db), latestSchemaVersion);
    } finally {
      db.close();
    }
  });

  test("running the migrations again applies nothing and keeps the data", async () => {
    const path = freshPath();
    await withStore(path, (store) => store.createNote(attestationNote("p", "n")).then(() => undefined));
    const db = new Database(path);
    try {
      assert.equal(migrate(db), latestSchemaVersion);
      assert.equal(migrate(db), latestSchemaVersion);
      const versions = db.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all();
      assert.deepEqual(versions, Array.from({ length: latestSchemaVersion }, (_, i) => i + 1));
    } finally {
      db.close();
    }
    await withStore(path, async (store) => {
      await store.getNote("p", "n");
    });
  });

  test("a database at an older version is upgraded in place and keeps its data", async () => {
    const path = join(scratch, `old-${++counter}.db`);
    const db = new Database(path);
    try {
      assert.equal(migrate(db, migrations.slice(0, 1)), 1);
      db.prepare("INSERT INTO projects (project, name) VALUES ('old', 'projects/old')").run();
    } finally {
      db.close();
    }
    await withStore(path, async (store) => {
      await store.getProject("old");
    });
    const reopened = new Database(path);
    try {
      assert.equal(schemaVersion(reopened), latestSchemaVersion);
    } finally {
      reopened.close();
    }
  });

  test("a migration that fails leaves no trace and no version row", () => {
    const db = new Database(":memory:");
    try {
      migrate(db);
      const broken = {
        version: latestSchemaVersion + 1,
        description: "fails half-way",
        sql: "CREATE TABLE half_done (x INTEGER); INSERT INTO no_such_table VALUES (1);",
      };
      assert.throws(() => migrate(db, [broken]));
      assert.equal(schemaVersion(db), latestSchemaVersion);
      const table = db.prepare("SELECT name FROM sqlite_master WHERE name = 'half_done'").get();
      assert.equal(table, undefined);
    } finally {
      db.close();
    }
  });

  test("a database with a newer schema version is refused as FAILED_PRECONDITION", async () => {
    const path = freshPath();
    await withStore(path, () => Promise.resolve());
    const db = new Database(path);
    db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'later')").run(latestSchemaVersion + 1);
    db.close();
    assert.throws(
      () => openSqliteStore({ path }),
      (error: unknown) =>
        error instanceof ScribaError &&
        error.code === "FAILED_PRECONDITION" &&
        error.message.includes(`version ${latestSchemaVersion + 1}`),
    );
  });
});

describe("SQLite updates (read, compute, compare-and-swap)", () => {
  /** The note's description as stored. */
  const descriptionIn = (json: string) => (JSON.parse(json) as { shortDescription?: string }).shortDescription;

  /**
   * Opens a store with a note `p/n` and, beside it, a plain connection to the
   * same file: what another Scriba process writing between this update's read
   * and its write looks like.
   */
  async function withRival(body: (store: Store, rival: (description: string) => void) => Promise<void>): Promise<void> {
    const path = freshPath();
    await withStore(path, async (store) => {
      await store.createNote(noteRow("p", "n", { shortDescription: "original" }));
      const db = new Database(path);
      const rewrite = db.prepare("UPDATE notes SET data = ? WHERE project = 'p' AND note_id = 'n'");
      try {
        await body(store, (description) => rewrite.run(noteRow("p", "n", { shortDescription: description }).json));
      } finally {
        db.close();
      }
    });
  }

  test("an update whose note changed after it was read computes again from the new note", () =>
    withRival(async (store, rival) => {
      const seen: (string | undefined)[] = [];
      const updated = await store.updateNote("p", "n", (current) => {
        seen.push(descriptionIn(current.json));
        if (seen.length === 1) rival("rival");
        return noteRow("p", "n", { shortDescription: `${descriptionIn(current.json)}+mine` });
      });
      assert.deepEqual(seen, ["original", "rival"]);
      assert.equal(descriptionIn(updated.json), "rival+mine");
      assert.equal(descriptionIn((await store.getNote("p", "n")).json), "rival+mine");
    }));

  test("an update that keeps losing the race gives up with ABORTED and writes nothing", () =>
    withRival(async (store, rival) => {
      let calls = 0;
      const error = await rejectsWith(
        store.updateNote("p", "n", () => {
          rival(`rival ${++calls}`);
          return noteRow("p", "n", { shortDescription: "mine" });
        }),
        "ABORTED",
      );
      assert.equal(calls, maxUpdateAttempts);
      assert.match(error.message, /projects\/p\/notes\/n/);
      assert.equal(descriptionIn((await store.getNote("p", "n")).json), `rival ${maxUpdateAttempts}`);
    }));

  test("an update whose note was deleted after it was read is NOT_FOUND", () =>
    withRival(async (store) => {
      // The delete reaches the writer before this update's write does.
      await rejectsWith(
        store.updateNote("p", "n", (current) => {
          void store.deleteNote("p", "n");
          return noteRow("p", "n", { shortDescription: `${descriptionIn(current.json)}+mine` });
        }),
        "NOT_FOUND",
      );
      await rejectsWith(store.getNote("p", "n"), "NOT_FOUND");
    }));
});

describe("SQLite durability", () => {
  test("a write acknowledged before the process is killed is there after reopening", async () => {
    const path = freshPath();
    // The child writes, reports success, then waits to be killed without closing the database.
    const child = spawnStoreChild(
      path,
      `await store.createNote(attestationNote("durable", "acknowledged"));
       process.stdout.write("written\\n");
       setInterval(() => {}, 1000);`,
    );
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    try {
      await new Promise<void>((resolve, reject) => {
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("written")) resolve();
        });
        child.on("exit", () => reject(new Error(`the child exited before writing: ${output}`)));
      });
      child.kill("SIGKILL");
      assert.equal(await exit, "SIGKILL");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    await withStore(path, async (store) => {
      assert.equal((await store.getNote("durable", "acknowledged")).name, "projects/durable/notes/acknowledged");
    });
  });
});

describe("SQLite query plans", () => {
  const db = openDatabase({ path: ":memory:" });
  after(() => db.close());

  /** The plan of a list query, one line per step. */
  function planOf(query: { sql: string; params: readonly unknown[] }): string {
    const rows = db.prepare(`EXPLAIN QUERY PLAN ${query.sql}`).all(...query.params) as { detail: string }[];
    return rows.map((row) => row.detail).join("\n");
  }

  const occurrences = (filter?: string) => ({
    pageSize: 100,
    filter: filter === undefined ? undefined : compileFilter(filter, "occurrence"),
  });

  /** Asserts a page is read from `index` in sequence order: no table scan, no sort. */
  function assertReadsInOrderFrom(plan: string, index: string): void {
    assert.match(plan, new RegExp(`^SEARCH occurrences USING (COVERING )?INDEX ${index} \\(`), plan);
    assert.doesNotMatch(plan, /TEMP B-TREE|SCAN/, plan);
  }

  test("a project's occurrences are read from the project index", () => {
    assertReadsInOrderFrom(planOf(occurrenceListSql("team", occurrences())), "occurrences_by_project");
  });

  test("occurrences filtered by resource are read from the resource index", () => {
    const plan = planOf(occurrenceListSql("team", occurrences(`resourceUri = "${imageUri(1)}"`)));
    assertReadsInOrderFrom(plan, "occurrences_by_resource");
    assert.match(plan, /resource_uri=\?/);
  });

  test("Kritis's kind-and-resource filter is read from the resource index, not the kind index", () => {
    const filter = `resourceUrl = "${imageUri(1)}" AND kind = "ATTESTATION"`;
    assertReadsInOrderFrom(planOf(occurrenceListSql("team", occurrences(filter))), "occurrences_by_resource");
    const gcpStyle = `resourceUrl = "${imageUri(1)}" AND noteProjectId = "goog-vulnz" AND noteId = "PACKAGE_VULNERABILITY"`;
    assertReadsInOrderFrom(planOf(occurrenceListSql("team", occurrences(gcpStyle))), "occurrences_by_resource");
  });

  test("occurrences filtered by kind or by note name use their own indexes", () => {
    assertReadsInOrderFrom(planOf(occurrenceListSql("team", occurrences("kind = VULNERABILITY"))), "occurrences_by_kind");
    const byNote = occurrences('noteName = "projects/signing/notes/qa"');
    assertReadsInOrderFrom(planOf(occurrenceListSql("team", byNote)), "occurrences_by_note_name");
  });

  test("a note's occurrences are read from the note index across projects", () => {
    assertReadsInOrderFrom(planOf(noteOccurrenceListSql("signing", "qa", occurrences())), "occurrences_by_note");
  });
});
