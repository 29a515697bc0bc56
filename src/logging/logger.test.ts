import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLogger, JsonFields } from "./logger.js";

function oneLine(log: (logger: ReturnType<typeof createLogger>) => void, fields?: Record<string, unknown>): Record<string, unknown> {
  const written: string[] = [];
  log(createLogger({ write: (line) => written.push(line), ...(fields ? { fields } : {}) }));
  assert.equal(written.length, 1);
  assert.ok(written[0]!.endsWith("\n"));
  return JSON.parse(written[0]!) as Record<string, unknown>;
}

describe("createLogger", () => {
  it("writes time, level and message first, then the logger's fields, then the call's", () => {
    const line = oneLine((l) => l.info("hello", { b: 2, a: 1 }), { component: "c" });
    assert.deepEqual(Object.keys(line), ["time", "level", "msg", "component", "b", "a"]);
    assert.equal(line["msg"], "hello");
  });

  it("writes a call's field that the logger also has once, with the call's value, where the logger's stood", () => {
    const line = oneLine((l) => l.info("hello", { a: 1, component: "call" }), { component: "logger", other: 2 });
    assert.deepEqual(Object.keys(line), ["time", "level", "msg", "component", "other", "a"]);
    assert.equal(line["component"], "call");
  });

  it("lets a call's field replace the line's own message", () => {
    const written: string[] = [];
    createLogger({ write: (line) => written.push(line) }).info("hello", { msg: "replaced" });
    assert.equal(written[0]!.match(/"msg"/g)?.length, 1);
    assert.equal((JSON.parse(written[0]!) as Record<string, unknown>)["msg"], "replaced");
  });

  it("leaves out a call's field whose value is undefined", () => {
    const line = oneLine((l) => l.info("hello", { gone: undefined, kept: 1 }), { component: "c" });
    assert.deepEqual(Object.keys(line), ["time", "level", "msg", "component", "kept"]);
  });

  it("redacts secret-looking fields at any depth", () => {
    const line = oneLine((l) => l.info("m", { outer: { list: [{ password: "p" }], apiToken: "t" }, plain: "x" }));
    assert.deepEqual(line["outer"], { list: [{ password: "[redacted]" }], apiToken: "[redacted]" });
    assert.equal(line["plain"], "x");
  });

  it("redacts the logger's own secret-looking fields", () => {
    const line = oneLine((l) => l.info("m"), { apiToken: "t", component: "c" });
    assert.equal(line["apiToken"], "[redacted]");
    assert.equal(line["component"], "c");
  });

  it("leaves the caller's fields unchanged when it redacts", () => {
    const fields = { nested: { secret: "s", kept: 1 } };
    oneLine((l) => l.info("m", fields));
    assert.deepEqual(fields, { nested: { secret: "s", kept: 1 } });
  });

  it("writes an error as its name, message and stack", () => {
    const line = oneLine((l) => l.error("m", { error: new TypeError("bad") }));
    const error = line["error"] as Record<string, unknown>;
    assert.equal(error["name"], "TypeError");
    assert.equal(error["message"], "bad");
    assert.match(String(error["stack"]), /bad/);
  });

  it("writes a class instance as its own enumerable fields", () => {
    class Point {
      constructor(readonly x: number) {}
      toJSON() {
        return "ignored";
      }
    }
    const line = oneLine((l) => l.info("m", { at: new Point(3) }));
    assert.deepEqual(line["at"], { x: 3 });
  });

  it("skips lines below its level", () => {
    const written: string[] = [];
    createLogger({ level: "warn", write: (line) => written.push(line) }).info("quiet");
    assert.deepEqual(written, []);
  });

  describe("serialized fields", () => {
    it("are written after the logger's and the call's fields", () => {
      const decision = new JsonFields({ allowed: true, images: [{ image: "gcr.io/a@sha256:1", verdict: "allowed" }] });
      const written: string[] = [];
      createLogger({ write: (line) => written.push(line), fields: { component: "c" } }).info("m", { uid: "u" }, decision);
      const line = JSON.parse(written[0]!) as Record<string, unknown>;
      assert.deepEqual(Object.keys(line), ["time", "level", "msg", "component", "uid", "allowed", "images"]);
      assert.deepEqual(line["images"], [{ image: "gcr.io/a@sha256:1", verdict: "allowed" }]);
    });

    it("are redacted when made", () => {
      const fields = { nested: { password: "p", kept: 1 }, apiToken: "t" };
      const written: string[] = [];
      createLogger({ write: (line) => written.push(line) }).info("m", {}, new JsonFields(fields));
      const line = JSON.parse(written[0]!) as Record<string, unknown>;
      assert.deepEqual(line["nested"], { password: "[redacted]", kept: 1 });
      assert.equal(line["apiToken"], "[redacted]");
      assert.deepEqual(fields.nested, { password: "p", kept: 1 });
    });

    it("leave the line valid JSON when there are none", () => {
      const written: string[] = [];
      createLogger({ write: (line) => written.push(line) }).info("m", undefined, new JsonFields({}));
      assert.deepEqual(Object.keys(JSON.parse(written[0]!) as object), ["time", "level", "msg"]);
    });
  });
});
