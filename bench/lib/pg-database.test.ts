import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { databaseUrl, scratchDatabaseName } from "./pg-database.js";

describe("pg scratch database", () => {
  test("the name is the run's start time in digits, a plain identifier", () => {
    assert.equal(scratchDatabaseName(new Date("2026-11-29T06:40:30.123Z")), "scriba_bench_20261129064030");
  });

  test("the URL keeps user, host and parameters and names the database", () => {
    assert.equal(databaseUrl("postgres://postgres@127.0.0.1:5432", "scriba_bench_1"), "postgres://postgres@127.0.0.1:5432/scriba_bench_1");
    assert.equal(databaseUrl("postgres://u:p@db:6543/other?sslmode=require", "x"), "postgres://u:p@db:6543/x?sslmode=require");
  });

  test("a URL that is not postgres:// is refused", () => {
    assert.throws(() => databaseUrl("mysql://db/x", "y"), /must be a postgres:\/\/ URL/);
  });
});
