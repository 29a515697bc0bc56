import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { LatencyHistogram, summarizeLatency } from "./histogram.js";

describe("LatencyHistogram", () => {
  test("counts values below 256 µs exactly", () => {
    const h = new LatencyHistogram();
    for (let v = 1; v <= 100; v++) h.record(v);
    assert.equal(h.percentileMicros(50), 50);
    assert.equal(h.percentileMicros(99), 99);
    assert.equal(h.percentileMicros(100), 100);
  });

  test("reports large percentiles within 1% and never below the true value", () => {
    const h = new LatencyHistogram();
    const values = Array.from({ length: 10_000 }, (_, i) => 1000 + i * 37);
    for (const v of values) h.record(v);
    for (const percent of [50, 90, 99]) {
      const exact = values[Math.ceil((percent / 100) * values.length) - 1]!;
      const reported = h.percentileMicros(percent);
      assert.ok(reported >= exact, `p${percent}: ${reported} < ${exact}`);
      assert.ok(reported <= exact * 1.01, `p${percent}: ${reported} is more than 1% above ${exact}`);
    }
  });

  test("caps the top percentile at the largest value recorded", () => {
    const h = new LatencyHistogram();
    h.record(123_457);
    assert.equal(h.percentileMicros(100), 123_457);
  });

  test("merges through its wire form without losing counts", () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let v = 0; v < 500; v++) a.record(v * 10);
    for (let v = 0; v < 500; v++) b.record(v * 10 + 5);
    const merged = LatencyHistogram.from(a.toData()).merge(b.toData());
    assert.equal(merged.count, 1000);
    assert.equal(merged.percentileMicros(100), 4995);
    assert.equal(merged.meanMicros, (a.meanMicros + b.meanMicros) / 2);
  });

  test("summarises in milliseconds, and as zeros when empty", () => {
    const h = new LatencyHistogram();
    assert.deepEqual(summarizeLatency(h), { p50Ms: 0, p90Ms: 0, p99Ms: 0, maxMs: 0, meanMs: 0 });
    h.record(2000);
    assert.equal(summarizeLatency(h).p50Ms, 2);
  });
});
