import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { makeFigure, type FigureDefinition } from "./figures.js";
import type { Measurement } from "./load-runner.js";

function measured(rate: number, p99Ms: number, cpuMicrosPerOp: number, errors = 0): Measurement {
  return {
    tool: "in-process",
    rate,
    operations: rate,
    seconds: 1,
    errors,
    errorSamples: errors > 0 ? ["HTTP 500"] : [],
    latency: { p50Ms: p99Ms / 2, p90Ms: p99Ms, p99Ms, maxMs: p99Ms, meanMs: p99Ms / 2 },
    cpuMicrosPerOp,
    utilization: 1,
  };
}

const definition: FigureDefinition = {
  id: "t",
  suite: "t",
  issue: 0,
  title: "t",
  unit: "req/s",
  metric: "throughput",
  oursLabel: "ours",
  baselineLabel: "bare",
  target: { kind: "min-ratio", value: 0.7 },
  setup: "",
};

describe("figures", () => {
  test("the ratio is the median of the per-round ratios", () => {
    const figure = makeFigure(definition, {
      baseline: [measured(100, 1, 10), measured(200, 1, 10), measured(100, 1, 10)],
      ours: [measured(80, 1, 12), measured(100, 1, 12), measured(60, 1, 12)],
    });
    assert.deepEqual([figure.ratio.median, figure.ratio.min, figure.ratio.max], [0.6, 0.5, 0.8]);
    assert.equal(figure.verdict, "missed");
  });

  test("the CPU ratio judges the same target from CPU per operation", () => {
    const figure = makeFigure(definition, { baseline: [measured(100, 1, 15)], ours: [measured(90, 1, 25)] });
    assert.equal(figure.verdict, "met");
    assert.equal(figure.cpuRatio, 0.6);
    assert.equal(figure.cpuVerdict, "missed");
  });

  test("an overhead target allows that fraction below the baseline", () => {
    const overhead = { ...definition, target: { kind: "max-overhead", value: 0.1 } as const };
    assert.equal(makeFigure(overhead, { baseline: [measured(100, 1, 1)], ours: [measured(91, 1, 1)] }).verdict, "met");
    assert.equal(makeFigure(overhead, { baseline: [measured(100, 1, 1)], ours: [measured(89, 1, 1)] }).verdict, "missed");
  });

  test("a latency target reads Scriba's median p99", () => {
    const latency = { ...definition, metric: "latency", target: { kind: "max-p99-ms", value: 5 } } as const;
    const rounds = { baseline: [measured(1, 0.1, 1)], ours: [measured(1, 4.9, 1), measured(1, 5.2, 1), measured(1, 4.0, 1)] };
    assert.equal(makeFigure(latency, { ...rounds, baseline: [...rounds.baseline, ...rounds.baseline, ...rounds.baseline] }).verdict, "met");
  });

  test("errors on either side make the figure invalid, whatever the rates", () => {
    const figure = makeFigure(definition, { baseline: [measured(100, 1, 1)], ours: [measured(100, 1, 1, 3)] });
    assert.equal(figure.verdict, "invalid");
    assert.match(figure.notes.join(" "), /errors during measurement \(ours 3, baseline 0\): HTTP 500/);
  });

  test("a CPU ratio that is not judged leaves the verdict to the rates", () => {
    const scaling = { ...definition, target: { kind: "min-ratio", value: 1.6 }, cpuJudged: false } as const;
    const figure = makeFigure(scaling, { baseline: [measured(100, 1, 10)], ours: [measured(170, 1, 12)] });
    assert.equal(figure.verdict, "met");
    assert.equal(figure.cpuVerdict, "met");
  });

  test("a count target is met only when every round's count is within it", () => {
    const counted = { ...definition, metric: "latency", target: { kind: "max-count", value: 1, what: "verifications per authority" } } as const;
    const rounds = { baseline: [measured(1, 1, 1), measured(1, 1, 1)], ours: [measured(1, 1, 1), measured(1, 1, 1)] };
    assert.equal(makeFigure(counted, { ...rounds, counts: [1, 1] }).verdict, "met");
    const missed = makeFigure(counted, { ...rounds, counts: [1, 3] });
    assert.equal(missed.verdict, "missed");
    assert.match(missed.notes.join(" "), /verifications per authority in each round: 1, 3/);
    assert.equal(makeFigure(counted, rounds).verdict, "invalid");
  });
});
