/**
 * @module bench/lib/http-response-reader
 *
 * A minimal HTTP/1.1 response framer for the load generator: it finds where
 * each response ends (Content-Length, chunked, or no body) and reports its
 * status, and nothing else. Node's own http client (http.Agent with
 * keep-alive) spent 20–40 µs of CPU per request here, more than the bare
 * server it drove, which would make the client the bottleneck on a 2-core
 * machine; a keep-alive socket and this reader spent about 7 µs.
 */

export interface ResponseHead {
  readonly status: number;
  /** The server asked to close the connection after this response. */
  readonly close: boolean;
}

type State =
  | { readonly kind: "head" }
  | { readonly kind: "body"; remaining: number }
  | { readonly kind: "chunk-size" }
  | { readonly kind: "chunk-data"; remaining: number }
  | { readonly kind: "trailers" };

const crlf = Buffer.from("\r\n");
const headEnd = Buffer.from("\r\n\r\n");

export class HttpResponseReader {
  #buffer: Buffer = Buffer.alloc(0);
  #state: State = { kind: "head" };
  #head: ResponseHead | undefined;
  #bodyBytes = 0;

  /**
   * Consumes bytes from the socket and calls `onResponse` for every response
   * completed by them. Throws on bytes that are not an HTTP/1.1 response.
   */
  push(chunk: Buffer, onResponse: (head: ResponseHead, bodyBytes: number) => void): void {
    const buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let offset = 0;
    // Each step consumes bytes, or stops the loop until more arrive.
    for (;;) {
      const state = this.#state;
      if (state.kind === "head") {
        const end = buffer.indexOf(headEnd, offset);
        if (end < 0) break;
        const head = buffer.toString("latin1", offset, end);
        offset = end + headEnd.length;
        this.#startResponse(head);
      } else if (state.kind === "body" || state.kind === "chunk-data") {
        const take = Math.min(state.remaining, buffer.length - offset);
        state.remaining -= take;
        this.#bodyBytes += take;
        offset += take;
        if (state.remaining > 0) break;
        if (state.kind === "body") {
          this.#finish(onResponse);
        } else {
          // The CRLF after the chunk's data may not have arrived yet; wait for it.
          if (buffer.length - offset < crlf.length) break;
          offset += crlf.length;
          this.#state = { kind: "chunk-size" };
        }
      } else {
        const end = buffer.indexOf(crlf, offset);
        if (end < 0) break;
        const line = buffer.toString("latin1", offset, end);
        offset = end + crlf.length;
        if (state.kind === "trailers") {
          if (line === "") this.#finish(onResponse);
        } else {
          const size = Number.parseInt(line.split(";", 1)[0]!.trim(), 16);
          if (!Number.isFinite(size) || size < 0) throw new Error(`bad chunk size line ${JSON.stringify(line)}`);
          this.#state = size === 0 ? { kind: "trailers" } : { kind: "chunk-data", remaining: size };
        }
      }
    }
    this.#buffer = offset >= buffer.length ? Buffer.alloc(0) : buffer.subarray(offset);
  }

  #startResponse(head: string): void {
    if (!head.startsWith("HTTP/1.")) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(head.slice(0, 40))}`);
    const status = Number(head.slice(9, 12));
    let contentLength: number | undefined;
    let chunked = false;
    let close = head.startsWith("HTTP/1.0");
    for (const line of head.split("\r\n").slice(1)) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim().toLowerCase();
      if (name === "content-length") contentLength = Number(value);
      else if (name === "transfer-encoding") chunked = value.includes("chunked");
      else if (name === "connection") close = value.includes("close");
    }
    this.#head = { status, close };
    this.#bodyBytes = 0;
    // 1xx, 204 and 304 carry no body whatever the headers say.
    const bodiless = (status >= 100 && status < 200) || status === 204 || status === 304;
    if (bodiless) this.#state = { kind: "body", remaining: 0 };
    else if (chunked) this.#state = { kind: "chunk-size" };
    else this.#state = { kind: "body", remaining: contentLength ?? 0 };
  }

  #finish(onResponse: (head: ResponseHead, bodyBytes: number) => void): void {
    const head = this.#head!;
    const bytes = this.#bodyBytes;
    this.#state = { kind: "head" };
    this.#head = undefined;
    this.#bodyBytes = 0;
    onResponse(head, bytes);
  }
}
