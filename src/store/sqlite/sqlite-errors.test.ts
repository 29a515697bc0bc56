import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { ScribaError } from "../../errors.js";
import { isForeignKeyViolation, isUniqueViolation, toScribaError } from "./sqlite-errors.js";

/** The error SQLite throws for `sql`, run on `db`. */
function errorOf(db: Database.Database, sql: string): unknown {
  try {
    db.exec(sql);
  } catch (error) {
    return error;
  }
  assert.fail(`expected ${sql} to fail`);
}

describe("SQLite error mapping", () => {
  test("a database locked by another writer is UNAVAILABLE", () => {
    const dir = mkdtempSync(join(tmpdir(), "scriba-sqlite-errors-"));
    const holder = new Database(join(dir, "db"));
    const waiter = new Database(join(dir, "db"), { timeout: 0 });
    try {
      holder.pragma("journal_mode = WAL");
      holder.exec("CREATE TABLE t (x INTEGER); BEGIN IMMEDIATE");
      const mapped = toScribaError(errorOf(waiter, "BEGIN IMMEDIATE"));
      assert.equal(mapped.code, "UNAVAILABLE");
      assert.equal(mapped.message, "the database is busy; retry the request");
    } finally {
      holder.close();
      waiter.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("any other SQLite error is INTERNAL without the SQL or SQLite's message", () => {
    const db = new Database(":memory:");
    try {
      const original = errorOf(db, "SELECT secret_column FROM no_such_table");
      const mapped = toScribaError(original);
      assert.equal(mapped.code, "INTERNAL");
      assert.equal(mapped.message, "internal error");
      assert.equal(mapped.cause, original);
    } finally {
      db.close();
    }
  });

  test("a ScribaError passes through unchanged", () => {
    const error = new ScribaError("NOT_FOUND", "gone");
    assert.equal(toScribaError(error), error);
  });

  test("unique and foreign-key violations are recognised, including RESTRICT on delete", () => {
    const db = new Database(":memory:");
    try {
      db.pragma("foreign_keys = ON");
      db.exec(`
        CREATE TABLE parent (id TEXT PRIMARY KEY);
        CREATE TABLE child (parent_id TEXT REFERENCES parent (id) ON DELETE RESTRICT);
        INSERT INTO parent VALUES ('a');
        INSERT INTO child VALUES ('a');`);
      const duplicate = errorOf(db, "INSERT INTO parent VALUES ('a')");
      const orphan = errorOf(db, "INSERT INTO child VALUES ('b')");
      const restricted = errorOf(db, "DELETE FROM parent WHERE id = 'a'");
      assert.ok(isUniqueViolation(duplicate));
      assert.ok(!isForeignKeyViolation(duplicate));
      assert.ok(isForeignKeyViolation(orphan));
      assert.ok(isForeignKeyViolation(restricted));
      assert.ok(!isUniqueViolation(restricted));
    } finally {
      db.close();
    }
  });
});
