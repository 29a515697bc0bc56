import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileFilter } from "./index.js";
import { prefixUpperBound } from "./sql-compiler.js";

const compiled = (text: string) => {
  const filter = compileFilter(text, "occurrence");
  assert.ok(filter !== undefined);
  return filter;
};

describe("prefixUpperBound", () => {
  test("increments the last character", () => {
    assert.equal(prefixUpperBound("projects/p/"), "projects/p0");
  });

  test("skips the surrogate range", () => {
    assert.equal(prefixUpperBound("a\uD7FF"), "a\uE000");
  });

  test("carries past U+10FFFF", () => {
    assert.equal(prefixUpperBound("a\u{10FFFF}"), "b");
  });

  test("has no bound for a prefix of only U+10FFFF", () => {
    assert.equal(prefixUpperBound("\u{10FFFF}\u{10FFFF}"), undefined);
  });
});

describe("compileSql", () => {
  test("PostgreSQL placeholders are numbered from firstParam, one per parameter", () => {
    const { sql, params } = compiled(`kind = BUILD AND resourceUri = "a*" AND name = "*b"`).toSql("postgres", 4);
    assert.deepEqual(params, ["BUILD", "a", "b", "b"]);
    assert.deepEqual([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])), [4, 5, 6, 7, 7]);
  });

  test("SQLite gets one ? per parameter, in order", () => {
    const { sql, params } = compiled(`name = "*b" AND kind = BUILD`).toSql("sqlite");
    assert.deepEqual(params, ["b", "b", "BUILD"]);
    assert.equal(sql.split("?").length - 1, params.length);
  });

  test("client values never appear in the SQL text", () => {
    const value = "zz'top\"--";
    for (const dialect of ["sqlite", "postgres"] as const) {
      const { sql, params } = compiled(
        `resourceUri = ${JSON.stringify(value)} OR build.provenance.buildOptions.${JSON.stringify(value)} = ${JSON.stringify(value)} OR vulnerability.cvssScore = 123.25`,
      ).toSql(dialect);
      assert.doesNotMatch(sql, /zz|123\.25/);
      assert.deepEqual(params.filter((p) => p === value).length, 3);
    }
  });

  test("a prefix match on an indexed column is a plain range", () => {
    assert.deepEqual(compiled(`resourceUri = "https://gcr.io/*"`).toSql("sqlite"), {
      sql: "(resource_uri >= ? AND resource_uri < ?)",
      params: ["https://gcr.io/", "https://gcr.io0"],
    });
  });

  test("PostgreSQL orderings use the C collation", () => {
    assert.equal(compiled(`name < "x"`).toSql("postgres").sql, `name COLLATE "C" < $1::text`);
  });

  test("firstParam must be a positive integer", () => {
    assert.throws(() => compiled(`kind = BUILD`).toSql("postgres", 0), RangeError);
  });
});
