import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HttpResponseReader, type ResponseHead } from "./http-response-reader.js";

function read(chunks: readonly string[]): { head: ResponseHead; bytes: number }[] {
  const reader = new HttpResponseReader();
  const seen: { head: ResponseHead; bytes: number }[] = [];
  for (const chunk of chunks) reader.push(Buffer.from(chunk, "latin1"), (head, bytes) => seen.push({ head, bytes }));
  return seen;
}

const ok = (body: string) => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

describe("HttpResponseReader", () => {
  test("frames back-to-back responses by Content-Length", () => {
    const seen = read([ok("hello") + ok("{}") + "HTTP/1.1 404 Not Found\r\ncontent-length: 3\r\n\r\nnop"]);
    assert.deepEqual(
      seen.map((s) => [s.head.status, s.bytes]),
      [[200, 5], [200, 2], [404, 3]],
    );
  });

  test("waits for a response split at any byte", () => {
    const whole = ok("0123456789") + ok("abc");
    for (let cut = 1; cut < whole.length; cut++) {
      const seen = read([whole.slice(0, cut), whole.slice(cut)]);
      assert.deepEqual(seen.map((s) => s.bytes), [10, 3], `cut at ${cut}`);
    }
  });

  test("decodes chunked bodies, split anywhere", () => {
    const whole = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n" + ok("z");
    for (let cut = 1; cut < whole.length; cut++) {
      const seen = read([whole.slice(0, cut), whole.slice(cut)]);
      assert.deepEqual(seen.map((s) => s.bytes), [11, 1], `cut at ${cut}`);
    }
  });

  test("treats a response without length as empty, and 204 as bodiless", () => {
    const seen = read(["HTTP/1.1 204 No Content\r\ncontent-length: 9\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"]);
    assert.deepEqual(seen.map((s) => [s.head.status, s.bytes]), [[204, 0], [200, 0]]);
  });

  test("notices a server that closes the connection", () => {
    const [first] = read(["HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"]);
    assert.equal(first?.head.close, true);
  });

  test("refuses bytes that are not an HTTP/1 response", () => {
    assert.throws(() => read(["SSH-2.0-OpenSSH\r\n\r\n"]), /not an HTTP\/1.x response/);
  });
});
