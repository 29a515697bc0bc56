import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { LruTtlCache } from "./lru-ttl-cache.js";

describe("LruTtlCache", () => {
  test("past its bound it evicts the least recently used entry", () => {
    const cache = new LruTtlCache<string>({ maxEntries: 2 });
    cache.set("a", "A", 1000);
    cache.set("b", "B", 1000);
    assert.equal(cache.peek("a"), "A");
    cache.set("c", "C", 1000);
    assert.equal(cache.peek("b"), undefined);
    assert.equal(cache.peek("a"), "A");
    assert.equal(cache.peek("c"), "C");
    assert.equal(cache.stats().evictions, 1);
  });

  test("an entry expires when its TTL has passed, and a shortened one sooner", () => {
    let now = 0;
    const cache = new LruTtlCache<string>({ maxEntries: 10, now: () => now });
    cache.set("long", "L", 1000);
    cache.set("short", "S", 1000);
    cache.shorten("short", 100);
    now = 99;
    assert.equal(cache.peek("short"), "S");
    now = 100;
    assert.equal(cache.peek("short"), undefined);
    assert.equal(cache.peek("long"), "L");
    now = 1000;
    assert.equal(cache.peek("long"), undefined);
  });

  test("concurrent requests for a missing key share one load", async () => {
    const cache = new LruTtlCache<number>({ maxEntries: 10 });
    let loads = 0;
    const load = async () => {
      loads += 1;
      await new Promise((resolve) => setImmediate(resolve));
      return 42;
    };
    const requests = Array.from({ length: 50 }, () => cache.getOrLoad("k", load, () => 1000));
    assert.deepEqual(await Promise.all(requests.map((r) => r.value)), Array(50).fill(42));
    assert.equal(loads, 1);
    assert.deepEqual(
      requests.map((r) => r.result).filter((r, i, all) => all.indexOf(r) === i),
      ["miss", "shared"],
    );
    assert.equal(cache.getOrLoad("k", load, () => 1000).result, "hit");
  });

  test("a failed load is shared by its waiters but never stored", async () => {
    const cache = new LruTtlCache<number>({ maxEntries: 10 });
    let fail = true;
    const load = async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) throw new Error("down");
      return 1;
    };
    const first = cache.getOrLoad("k", load, () => 1000);
    const second = cache.getOrLoad("k", load, () => 1000);
    await assert.rejects(first.value, /down/);
    await assert.rejects(second.value, /down/);
    assert.equal(second.result, "shared");
    fail = false;
    const retry = cache.getOrLoad("k", load, () => 1000);
    assert.equal(retry.result, "miss");
    assert.equal(await retry.value, 1);
  });
});
