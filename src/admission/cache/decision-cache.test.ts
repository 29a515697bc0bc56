import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { gapYaml, policySet } from "../__fixtures__/admission-world.js";
import { createAdmissionMetrics } from "../admission-metrics.js";
import { AnswerCache } from "./answer-cache.js";
import { DecisionCache } from "./decision-cache.js";
import { VerificationCache } from "./verification-cache.js";

const policies = policySet(gapYaml("require-qa", "prod", ["qa"]));
let now: number;
let answers: AnswerCache;
let verdicts: VerificationCache;
let cache: DecisionCache<string>;

beforeEach(() => {
  now = 1_000;
  answers = new AnswerCache({ now: () => now });
  verdicts = new VerificationCache({ now: () => now });
  cache = new DecisionCache<string>({ answers, verdicts, now: () => now, maxEntries: 3 });
});

describe("DecisionCache", () => {
  test("gives back a kept decision under the same policy set until its evidence expires", () => {
    cache.keep("k", policies, "allowed", 5_000, cache.generations());
    assert.equal(cache.get("k", policies), "allowed");
    now = 4_999;
    assert.equal(cache.get("k", policies), "allowed");
    now = 5_000;
    assert.equal(cache.get("k", policies), undefined);
  });

  test("keeps nothing whose evidence has already expired", () => {
    cache.keep("k", policies, "allowed", 1_000, cache.generations());
    assert.equal(cache.get("k", policies), undefined);
    assert.equal(cache.stats().size, 0);
  });

  test("never gives a decision to another policy set, even one read from the same documents", () => {
    cache.keep("k", policies, "allowed", 5_000, cache.generations());
    assert.equal(cache.get("k", policySet(gapYaml("require-qa", "prod", ["qa"]))), undefined);
  });

  test("ends every kept decision when an answer is shortened or flushed, or the verdicts are flushed", () => {
    for (const change of [() => answers.shortenAttestations("projects/p/notes/n", ["https://a"]), () => answers.clear(), () => verdicts.clear()]) {
      cache.keep("k", policies, "allowed", 5_000, cache.generations());
      change();
      assert.equal(cache.get("k", policies), undefined);
    }
  });

  test("does not keep a decision made from caches that changed while it was being made", () => {
    const generations = cache.generations();
    answers.clear();
    cache.keep("k", policies, "allowed", 5_000, generations);
    assert.equal(cache.get("k", policies), undefined);
  });

  test("drops the oldest decision when full", () => {
    for (const key of ["a", "b", "c", "d"]) cache.keep(key, policies, key, 5_000, cache.generations());
    assert.equal(cache.get("a", policies), undefined);
    assert.deepEqual(["b", "c", "d"].map((key) => cache.get(key, policies)), ["b", "c", "d"]);
    assert.equal(cache.stats().evictions, 1);
  });

  test("counts hits and misses as the decision cache", () => {
    const metrics = createAdmissionMetrics();
    const counted = new DecisionCache<string>({ answers, verdicts, now: () => now, metrics });
    counted.keep("k", policies, "allowed", 5_000, counted.generations());
    counted.get("k", policies);
    counted.get("other", policies);
    assert.equal(metrics.cacheRequests.get({ cache: "decision", result: "hit" }), 1);
    assert.equal(metrics.cacheRequests.get({ cache: "decision", result: "miss" }), 1);
  });

  test("refuses a bound that is not a positive integer", () => {
    assert.throws(() => new DecisionCache({ answers, verdicts, maxEntries: 0 }), /positive integer/);
  });
});
