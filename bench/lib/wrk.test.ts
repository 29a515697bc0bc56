import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { luaString, wrkScript } from "./wrk.js";

describe("wrk scripts", () => {
  test("escape quotes, backslashes, control bytes and UTF-8 as decimal escapes", () => {
    assert.equal(luaString('a"b\\c\n'), '"a\\034b\\092c\\010"');
    assert.equal(luaString("é"), '"\\195\\169"');
  });

  test("pre-format every request and pick them in turn", () => {
    const script = wrkScript({
      protocol: "http",
      url: "http://127.0.0.1:1",
      connections: 1,
      order: "cycle",
      warmupSeconds: 0,
      durationSeconds: 1,
      requests: [
        { method: "GET", path: "/v1/a" },
        { method: "POST", path: "/v1/b", headers: { "content-type": "application/json" }, body: '{"x":1}' },
      ],
    });
    assert.ok(script.includes('{ "GET", "/v1/a", {  }, nil },'));
    assert.match(script, /\{ "POST", "\/v1\/b", \{ \["content-type"\] = "application\/json" \}, "\{\\034x\\034:1\}" \}/);
    assert.match(script, /i = i \+ 1/);
    assert.match(script, /function done\(summary, latency, requests\)/);
  });
});
