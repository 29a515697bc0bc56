import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { batchedLines } from "./batched-lines.js";

describe("batchedLines", () => {
  it("writes nothing while the current work runs", () => {
    const written: string[] = [];
    const lines = batchedLines((text) => written.push(text));
    lines.write("a\n");
    assert.deepEqual(written, []);
    lines.close();
  });

  it("writes the lines queued together in one write once the event loop turns", async () => {
    const written: string[] = [];
    const lines = batchedLines((text) => written.push(text));
    lines.write("a\n");
    lines.write("b\n");
    await nextTurn();
    assert.deepEqual(written, ["a\nb\n"]);
    lines.close();
  });

  it("writes what is queued when closed", () => {
    const written: string[] = [];
    const lines = batchedLines((text) => written.push(text));
    lines.write("a\n");
    lines.close();
    assert.deepEqual(written, ["a\n"]);
  });

  it("writes lines at once after it is closed", () => {
    const written: string[] = [];
    const lines = batchedLines((text) => written.push(text));
    lines.close();
    lines.write("late\n");
    assert.deepEqual(written, ["late\n"]);
  });

  it("writes what is queued when the process exits", () => {
    const written: string[] = [];
    const lines = batchedLines((text) => written.push(text));
    lines.write("a\n");
    process.emit("exit", 0);
    assert.deepEqual(written, ["a\n"]);
    lines.close();
  });

  it("holds lines that follow a write closely until the interval has passed", async () => {
    const written: string[] = [];
    const lines = batchedLines((text) => written.push(text), { intervalMs: 60_000 });
    lines.write("a\n");
    await nextTurn();
    lines.write("b\n");
    lines.write("c\n");
    await nextTurn();
    assert.deepEqual(written, ["a\n"]);
    lines.close();
    assert.deepEqual(written, ["a\n", "b\nc\n"]);
  });

  it("writes at once when the queue grows past its bound", () => {
    const written: string[] = [];
    const lines = batchedLines((text) => written.push(text), { maxQueuedChars: 4 });
    lines.write("ab\n");
    lines.write("cd\n");
    assert.deepEqual(written, ["ab\ncd\n"]);
    lines.close();
  });
});
