/**
 * @module wire/request-body
 *
 * Reads an HTTP request body as text with two bounds: a size limit (a declared
 * Content-Length above it is refused before reading a byte) and a time limit
 * for the whole body, so a client that sends slowly or stops half way cannot
 * hold a request open.
 */
import type { IncomingMessage } from "node:http";

export type BodyReadFailure = "too-large" | "timed-out" | "aborted";

export class BodyReadError extends Error {
  override readonly name = "BodyReadError";
  constructor(readonly reason: BodyReadFailure, message: string) {
    super(message);
  }
}

export interface BodyLimits {
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

/** The body as UTF-8 text; rejects with a BodyReadError. Reading stops at the first failure. */
export function readBody(req: IncomingMessage, limits: BodyLimits): Promise<string> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limits.maxBytes) {
    return Promise.reject(tooLarge(limits.maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: BodyReadError | undefined) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onAborted);
      req.off("close", onClose);
      if (error) {
        // Stop pulling bytes we will not use; the response is still written.
        req.pause();
        reject(error);
      } else {
        resolve(chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8"));
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish(tooLarge(limits.maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(undefined);
    const onAborted = () => finish(new BodyReadError("aborted", "the client went away while sending the body"));
    const onClose = () => {
      if (!req.complete) onAborted();
    };
    const timer = setTimeout(
      () => finish(new BodyReadError("timed-out", `the request body did not arrive within ${limits.timeoutMs} ms`)),
      limits.timeoutMs,
    );
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onAborted);
    req.on("close", onClose);
  });
}

function tooLarge(maxBytes: number): BodyReadError {
  return new BodyReadError("too-large", `the request body is larger than ${maxBytes} bytes`);
}
