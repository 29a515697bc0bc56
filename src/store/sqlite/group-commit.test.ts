import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import { attestationNote, attestationOccurrence, imageUri } from "../test-fixtures.js";
import { openDatabase } from "./connection.js";
import { groupCommit, type GroupedWrite } from "./group-commit.js";
import { SqliteWrites } from "./sqlite-writes.js";
import type { WriterReply } from "./writer-thread.js";

const scratch = mkdtempSync(join(tmpdir(), "scriba-group-commit-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

let counter = 0;
function withDatabase(body: (db: Database.Database, path: string) => void): void {
  const path = join(scratch, `case-${++counter}.db`);
  const db = openDatabase({ path });
  try {
    body(db, path);
  } finally {
    db.close();
  }
}

let nextId = 0;
const write = (operation: GroupedWrite["operation"], ...args: unknown[]): GroupedWrite => ({ id: nextId++, operation, args });
const outcomeOf = (reply: WriterReply) => ("error" in reply ? reply.error.code : "ok");
const count = (db: Database.Database, table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();

describe("group commit", () => {
  test("each write of a group succeeds or fails alone, and the ones that succeed are stored", () =>
    withDatabase((db) => {
      const qa = "projects/signing/notes/qa";
      const group = [
        write("createNote", attestationNote("signing", "qa")),
        write("createNote", attestationNote("signing", "qa")),
        write("createNote", attestationNote("signing", "other")),
        write("batchCreateOccurrences", "team", [
          attestationOccurrence("team", "o1", qa, imageUri(1)),
          attestationOccurrence("team", "o2", "projects/signing/notes/missing", imageUri(2)),
        ]),
      ];
      const replies = groupCommit(db, new SqliteWrites(db))(group);
      assert.deepEqual(replies.map((r) => r.id), group.map((w) => w.id));
      assert.deepEqual(replies.map(outcomeOf), ["ok", "ALREADY_EXISTS", "ok", "FAILED_PRECONDITION"]);
      assert.equal(count(db, "notes"), 2);
      assert.equal(count(db, "occurrences"), 0, "the failed batch left none of its rows");
    }));

  test("a write sees the writes before it in the same group", () =>
    withDatabase((db) => {
      const replies = groupCommit(db, new SqliteWrites(db))([
        write("createNote", attestationNote("signing", "qa")),
        write("createOccurrence", attestationOccurrence("team", "o1", "projects/signing/notes/qa", imageUri(1))),
        write("deleteNote", "signing", "qa", "projects/signing/notes/qa"),
      ]);
      assert.deepEqual(replies.map(outcomeOf), ["ok", "ok", "FAILED_PRECONDITION"]);
      assert.equal(count(db, "occurrences"), 1);
    }));

  test("a group that cannot take the write lock fails every write and stores nothing", () =>
    withDatabase((db, path) => {
      db.pragma("busy_timeout = 50");
      const rival = new Database(path);
      rival.exec("BEGIN IMMEDIATE");
      try {
        const replies = groupCommit(db, new SqliteWrites(db))([
          write("createNote", attestationNote("p", "a")),
          write("createNote", attestationNote("p", "b")),
        ]);
        assert.deepEqual(replies.map(outcomeOf), ["UNAVAILABLE", "UNAVAILABLE"]);
      } finally {
        rival.exec("ROLLBACK");
        rival.close();
      }
      assert.equal(count(db, "notes"), 0);
    }));
});
