import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MetricsRegistry } from "./metrics-registry.js";

describe("the Prometheus text exposition", () => {
  test("a counter renders HELP, TYPE and one line per label set", () => {
    const registry = new MetricsRegistry();
    const decisions = registry.counter({ name: "decisions_total", help: "Decisions.", labelNames: ["decision"] });
    decisions.inc({ decision: "allow" });
    decisions.inc({ decision: "allow" });
    decisions.inc({ decision: "deny" }, 3);
    assert.equal(
      registry.render(),
      '# HELP decisions_total Decisions.\n# TYPE decisions_total counter\ndecisions_total{decision="allow"} 2\ndecisions_total{decision="deny"} 3\n',
    );
  });

  test("label values and help text are escaped", () => {
    const registry = new MetricsRegistry();
    registry.counter({ name: "c", help: "a \\ b\nc", labelNames: ["v"] }).inc({ v: 'say "hi"\\\n' });
    assert.equal(registry.render(), '# HELP c a \\\\ b\\nc\n# TYPE c counter\nc{v="say \\"hi\\"\\\\\\n"} 1\n');
  });

  test("a histogram's buckets are cumulative and end with +Inf, _sum and _count", () => {
    const registry = new MetricsRegistry();
    const latency = registry.histogram({ name: "latency_seconds", help: "Latency.", buckets: [0.1, 1] });
    latency.observe(undefined, 0.05);
    latency.observe(undefined, 0.5);
    latency.observe(undefined, 7);
    assert.equal(
      registry.render(),
      [
        "# HELP latency_seconds Latency.",
        "# TYPE latency_seconds histogram",
        'latency_seconds_bucket{le="0.1"} 1',
        'latency_seconds_bucket{le="1"} 2',
        'latency_seconds_bucket{le="+Inf"} 3',
        "latency_seconds_sum 7.55",
        "latency_seconds_count 3",
        "",
      ].join("\n"),
    );
  });

  test("a gauge can be computed when scraped", () => {
    const registry = new MetricsRegistry();
    let depth = 4;
    registry.gauge({ name: "queue_depth", help: "Depth.", collect: () => depth });
    assert.match(registry.render(), /^queue_depth 4$/m);
    depth = 0;
    assert.match(registry.render(), /^queue_depth 0$/m);
  });

  test("a sample with an undeclared or missing label is refused", () => {
    const counter = new MetricsRegistry().counter({ name: "c", help: "c", labelNames: ["a"] });
    assert.throws(() => counter.inc({ b: "x" }), /has no label "b"/);
    assert.throws(() => counter.inc({}), /needs the label "a"/);
  });

  test("a counter cannot go down", () => {
    const counter = new MetricsRegistry().counter({ name: "c", help: "c" });
    assert.throws(() => counter.inc(undefined, -1), /only goes up/);
  });

  test("names outside the format's grammar, and a name declared twice, are refused", () => {
    const registry = new MetricsRegistry();
    assert.throws(() => registry.counter({ name: "bad-name", help: "" }), /invalid metric name/);
    assert.throws(() => registry.counter({ name: "ok", help: "", labelNames: ["le"] }), /invalid label name/);
    registry.counter({ name: "twice", help: "" });
    assert.throws(() => registry.gauge({ name: "twice", help: "" }), /declared twice/);
  });

  test("a label set is checked on every update, not only on a series' first", () => {
    const registry = new MetricsRegistry();
    const calls = registry.counter({ name: "calls_total", help: "Calls.", labelNames: ["operation", "code"] });
    calls.inc({ operation: "list", code: "ok" });
    assert.throws(() => calls.inc({ operation: "list", code: "ok", extra: "x" }), /has no label "extra"/);
    assert.throws(() => calls.inc({ operation: "list" }), /needs the label "code"/);
    assert.equal(calls.get({ operation: "list", code: "ok" }), 1);
  });

  test("series whose label values are empty or share a prefix stay apart", () => {
    const registry = new MetricsRegistry();
    const calls = registry.counter({ name: "calls_total", help: "Calls.", labelNames: ["a", "b"] });
    calls.inc({ a: "", b: "x" });
    calls.inc({ a: "x", b: "" }, 2);
    assert.equal(calls.get({ a: "", b: "x" }), 1);
    assert.equal(calls.get({ a: "x", b: "" }), 2);
    assert.equal(calls.get({ a: "", b: "" }), 0);
  });
});

