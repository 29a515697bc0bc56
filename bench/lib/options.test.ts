import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseOptions, parseSize } from "./options.js";

const suites = ["rest", "grpc", "ingest", "list", "attest"];

describe("bench options", () => {
  test("sizes accept k and M suffixes", () => {
    assert.equal(parseSize("100k"), 100_000);
    assert.equal(parseSize("1M"), 1_000_000);
    assert.equal(parseSize("2.5k"), 2500);
    assert.throws(() => parseSize("lots"), /not a size/);
  });

  test("--only keeps the suites' own order and refuses unknown names", () => {
    assert.deepEqual(parseOptions(["--only", "attest,rest"], suites).bench.only, ["rest", "attest"]);
    assert.throws(() => parseOptions(["--only", "nope"], suites), /unknown suite "nope"/);
  });

  test("defaults make a full run of every suite at 100k and 1M", () => {
    const { bench } = parseOptions([], suites);
    assert.deepEqual(bench.only, suites);
    assert.deepEqual(bench.sizes, [100_000, 1_000_000]);
    assert.equal(bench.rounds, 3);
  });

  test("a non-positive duration is refused", () => {
    assert.throws(() => parseOptions(["--duration", "0"], suites), /--duration must be a positive number/);
  });

  test("the pg suite's server defaults to the local PostgreSQL and --pg-url points elsewhere", () => {
    assert.equal(parseOptions([], suites).bench.pgUrl, "postgres://postgres@127.0.0.1:5432");
    assert.equal(parseOptions(["--pg-url", "postgres://bench@db:5433"], suites).bench.pgUrl, "postgres://bench@db:5433");
  });
});
