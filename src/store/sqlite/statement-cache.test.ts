import assert from "node:assert/strict";
import { describe, test } from "node:test";
import Database from "better-sqlite3";
import { StatementCache } from "./statement-cache.js";

describe("StatementCache", () => {
  test("the same SQL text gets the same prepared statement", () => {
    const db = new Database(":memory:");
    try {
      const cache = new StatementCache(db);
      assert.equal(cache.get("SELECT 1"), cache.get("SELECT 1"));
      assert.notEqual(cache.get("SELECT 1"), cache.get("SELECT 2"));
    } finally {
      db.close();
    }
  });

  test("it never holds more than its capacity and evicts the least recently used text", () => {
    const db = new Database(":memory:");
    try {
      const cache = new StatementCache(db, 2);
      const one = cache.get("SELECT 1");
      const two = cache.get("SELECT 2");
      cache.get("SELECT 1"); // now SELECT 2 is the least recently used
      cache.get("SELECT 3");
      assert.equal(cache.size, 2);
      assert.equal(cache.get("SELECT 1"), one, "a recently used statement stays cached");
      assert.notEqual(cache.get("SELECT 2"), two, "the least recently used one was prepared again");
    } finally {
      db.close();
    }
  });
});
