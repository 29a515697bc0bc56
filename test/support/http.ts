/**
 * @module test/support/http
 *
 * Plain HTTP requests the way curl sends them, with a bounded wait, and the
 * reply read once as text and (when it parses) as JSON.
 */
import assert from "node:assert/strict";
export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON; undefined when it is not JSON. Tests assert its shape, so it is untyped. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

export interface HttpOptions {
  /** A string is sent as is; anything else as JSON text. */
  readonly body?: unknown;
  /**
   * The declared body type. Defaults to what `curl -d` declares,
   * `application/x-www-form-urlencoded`; `null` sends no Content-Type.
   */
  readonly contentType?: string | null;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
}

export async function http(baseUrl: string, method: string, path: string, options: HttpOptions = {}): Promise<HttpReply> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    const type = options.contentType === undefined ? "application/x-www-form-urlencoded" : options.contentType;
    if (type !== null) headers["content-type"] = type;
  }
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** A filter or other text as a query-string value. */
export const q = (value: string) => encodeURIComponent(value);

/** The JSON body of a 200 reply; fails the test (showing the body) on any other status. */
export function okJson(reply: HttpReply): HttpReply["json"] {
  assert.equal(reply.status, 200, reply.text);
  return reply.json;
}
