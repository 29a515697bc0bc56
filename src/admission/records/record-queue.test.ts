import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ScribaError } from "../../errors.js";
import { createLogger } from "../../logging/logger.js";
import { createAdmissionMetrics } from "../admission-metrics.js";
import type { RecordTask } from "./record-queue.js";
import { RecordQueue } from "./record-queue.js";

const task = (write: RecordTask["write"], type: RecordTask["type"] = "audit"): RecordTask => ({ type, description: "a record", write });
const never = () => new Promise<void>(() => {});

describe("the record queue", () => {
  test("enqueueing returns at once even while every writer hangs", async () => {
    const queue = new RecordQueue({ concurrency: 1, timeoutMs: 20 });
    for (let i = 0; i < 5; i++) assert.equal(queue.enqueue(task(never)), true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(queue.stats().inFlight, 1);
    assert.equal(queue.depth, 4);
    await queue.idle();
    assert.equal(queue.stats().droppedWriteFailed, 5);
  });

  test("no write starts before the turn that enqueued it has finished", async () => {
    const queue = new RecordQueue({ concurrency: 4, timeoutMs: 20 });
    let started = 0;
    queue.enqueue({ type: "audit", description: "audit record", write: () => ((started += 1), Promise.resolve()) });
    await Promise.resolve();
    assert.equal(started, 0, "the write waits for the current turn, microtasks included");
    assert.equal(queue.depth, 1);
    await queue.idle();
    assert.equal(started, 1);
    assert.equal(queue.stats().written, 1);
  });

  test("a full queue drops new records, counts them and logs the drop", async () => {
    const metrics = createAdmissionMetrics();
    const lines: string[] = [];
    const queue = new RecordQueue({ capacity: 2, concurrency: 1, timeoutMs: 20, metrics, logger: createLogger({ write: (l) => lines.push(l) }) });
    assert.equal(queue.enqueue(task(never, "deployment")), true);
    await new Promise((resolve) => setImmediate(resolve)); // the first one is now being written
    const accepted = [2, 3, 4, 5].map(() => queue.enqueue(task(never, "deployment")));
    assert.deepEqual(accepted, [true, true, false, false]);
    assert.equal(metrics.records.get({ type: "deployment", result: "dropped-queue-full" }), 2);
    assert.equal(metrics.recordQueueDepth.get(), 2);
    assert.equal(lines.length, 1, "one line, then quiet until the log interval passes");
    assert.match(lines[0]!, /"msg":"admission record dropped; the decision log still has it".*"why":"the record queue is full \(2 records\)"/);
    await queue.idle();
  });

  test("a write that fails or times out is dropped and counted, and the queue moves on", async () => {
    const metrics = createAdmissionMetrics();
    const queue = new RecordQueue({ concurrency: 1, timeoutMs: 50, metrics });
    const written: number[] = [];
    queue.enqueue(task(() => Promise.reject(new ScribaError("UNAVAILABLE", "cannot reach the server"))));
    queue.enqueue(task(never));
    queue.enqueue(task(() => Promise.resolve(void written.push(3))));
    await queue.idle();
    assert.deepEqual(written, [3]);
    assert.equal(metrics.records.get({ type: "audit", result: "dropped-write-failed" }), 2);
    assert.equal(metrics.records.get({ type: "audit", result: "written" }), 1);
  });

  test("closing waits for queued writes, then refuses new ones", async () => {
    const queue = new RecordQueue({ concurrency: 2 });
    let done = 0;
    for (let i = 0; i < 4; i++) queue.enqueue(task(() => Promise.resolve(void (done += 1))));
    await queue.close(1000);
    assert.equal(done, 4);
    assert.equal(queue.enqueue(task(() => Promise.resolve())), false);
  });
});
