import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normalizeStoredTimestamp, parseTimestamp } from "./filter-timestamp.js";

describe("normalizeStoredTimestamp", () => {
  for (const [stored, normalized] of [
    ["2024-01-02T03:04:05Z", "2024-01-02T03:04:05.000000000"],
    ["2024-01-02T03:04:05.678Z", "2024-01-02T03:04:05.678000000"],
    ["2024-01-02T03:04:05.678901Z", "2024-01-02T03:04:05.678901000"],
    ["2024-01-02T03:04:05.678901234Z", "2024-01-02T03:04:05.678901234"],
  ]) {
    test(`${stored} becomes ${normalized}`, () => {
      assert.equal(normalizeStoredTimestamp(stored!), normalized);
    });
  }

  test("fixed-width forms sort by instant where the stored strings do not", () => {
    assert.ok("2024-01-02T03:04:05.5Z" < "2024-01-02T03:04:05Z");
    assert.ok(normalizeStoredTimestamp("2024-01-02T03:04:05.5Z") > normalizeStoredTimestamp("2024-01-02T03:04:05Z"));
  });
});

describe("parseTimestamp", () => {
  test("converts an offset to UTC", () => {
    assert.equal(parseTimestamp("2024-01-01T00:30:00-01:00")?.text, "2024-01-01T01:30:00.000000000");
  });

  test("accepts the ends of the Timestamp range and nothing beyond", () => {
    assert.equal(parseTimestamp("0001-01-01T00:00:00Z")?.micros, -62135596800000000n);
    assert.equal(parseTimestamp("9999-12-31T23:59:59.999999999Z")?.micros, 253402300799999999n);
    assert.equal(parseTimestamp("0001-01-01T00:00:00+00:01"), undefined);
  });

  test("knows leap years", () => {
    assert.notEqual(parseTimestamp("2024-02-29T00:00:00Z"), undefined);
    assert.equal(parseTimestamp("2023-02-29T00:00:00Z"), undefined);
    assert.equal(parseTimestamp("1900-02-29T00:00:00Z"), undefined);
    assert.notEqual(parseTimestamp("2000-02-29T00:00:00Z"), undefined);
  });

  test("floors to the microsecond", () => {
    assert.equal(parseTimestamp("1970-01-01T00:00:00.000001999Z")?.micros, 1n);
    assert.equal(parseTimestamp("1969-12-31T23:59:59.9999995Z")?.micros, -1n);
  });
});
