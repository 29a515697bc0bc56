import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { duration } from "./settings.js";

describe("duration settings", () => {
  const parse = duration("--recheck-interval");

  test("read a number with its unit, in milliseconds", () => {
    assert.deepEqual(["500ms", "30s", "5m", "1h", "0"].map(parse), [500, 30_000, 300_000, 3_600_000, 0]);
  });

  test("refuse a number without a unit, naming the setting", () => {
    assert.throws(() => parse("30"), /--recheck-interval must be a duration such as 500ms, 30s, 5m or 1h \(or 0\), got "30"/);
    assert.throws(() => parse("1d"), /got "1d"/);
  });
});
