/**
 * @module bench/lib/http-load
 *
 * The Node HTTP/1.1 load generator: N keep-alive connections (plain or TLS),
 * each sending its next pre-serialized request as soon as the previous answer
 * is complete. Requests are serialized once up front and responses are only
 * framed (see http-response-reader), so the client spends a few microseconds
 * per request and the server under test, not the client, sets the rate.
 */
import { connect as connectTcp, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { HttpResponseReader } from "./http-response-reader.js";
import type { HttpLoadSpec, HttpRequestTemplate, LoadOutcome } from "./load-spec.js";
import { LoadWindow, picker, type WindowEvents } from "./load-window.js";

/** The bytes of one request, with Host, Content-Length and keep-alive set. */
export function serializeRequest(template: HttpRequestTemplate, host: string): Buffer {
  const body = template.body === undefined ? undefined : Buffer.from(template.body, "utf8");
  const lines = [`${template.method} ${template.path} HTTP/1.1`, `host: ${host}`, "connection: keep-alive"];
  for (const [name, value] of Object.entries(template.headers ?? {})) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return body === undefined ? head : Buffer.concat([head, body]);
}

interface Target {
  readonly url: URL;
  readonly requests: readonly Buffer[];
}

class Connection {
  readonly #target: Target;
  readonly #window: LoadWindow;
  readonly #next: () => Buffer;
  readonly #insecureTls: boolean;
  readonly #idle: () => void;
  #socket: Socket | undefined;
  #reader = new HttpResponseReader();
  #sentAt = 0;
  #inFlight = false;
  #stopped = false;

  constructor(target: Target, window: LoadWindow, next: () => Buffer, insecureTls: boolean, idle: () => void) {
    this.#target = target;
    this.#window = window;
    this.#next = next;
    this.#insecureTls = insecureTls;
    this.#idle = idle;
  }

  connect(): Promise<void> {
    const url = this.#target.url;
    const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, "");
    return new Promise((resolve, reject) => {
      const socket =
        url.protocol === "https:"
          ? connectTls({ host, port, rejectUnauthorized: !this.#insecureTls, servername: host }, () => resolve())
          : connectTcp({ host, port }, () => resolve());
      socket.setNoDelay(true);
      socket.once("error", reject);
      socket.on("error", (error) => this.#fail(`socket: ${error.message}`));
      socket.on("data", (chunk: Buffer) => this.#onData(chunk));
      socket.on("close", () => {
        if (this.#inFlight) this.#fail("connection closed mid-response");
      });
      this.#socket = socket;
      this.#reader = new HttpResponseReader();
    });
  }

  send(): void {
    if (this.#stopped || !this.#window.mayIssue()) {
      this.#idle();
      return;
    }
    this.#inFlight = true;
    this.#sentAt = performance.now();
    this.#socket!.write(this.#next());
  }

  #onData(chunk: Buffer): void {
    try {
      this.#reader.push(chunk, (head) => {
        this.#inFlight = false;
        this.#window.record(this.#sentAt, head.status >= 200 && head.status < 300 ? undefined : `HTTP ${head.status}`);
        if (head.close) {
          this.#reconnectThenSend();
        } else {
          this.send();
        }
      });
    } catch (error) {
      this.#fail(error instanceof Error ? error.message : String(error));
    }
  }

  #reconnectThenSend(): void {
    this.#socket?.destroy();
    this.connect().then(
      () => this.send(),
      (error: Error) => this.#fail(`reconnect: ${error.message}`),
    );
  }

  #fail(description: string): void {
    if (this.#stopped) return;
    this.#window.fail(description);
    this.#inFlight = false;
    this.#stopped = true;
    this.#socket?.destroy();
    this.#idle();
  }

  close(): void {
    this.#stopped = true;
    this.#socket?.destroy();
  }
}

/** Runs the load described by `spec` and reports what was measured. */
export async function runHttpLoad(spec: HttpLoadSpec, events: WindowEvents = {}): Promise<LoadOutcome> {
  const targets: Target[] = [spec.url, ...(spec.extraUrls ?? [])].map((text) => {
    const url = new URL(text);
    return { url, requests: spec.requests.map((r) => serializeRequest(r, url.host)) };
  });
  const window = new LoadWindow(spec, events);
  let idleCount = 0;
  let allIdle: (() => void) | undefined;
  const onIdle = () => {
    idleCount += 1;
    if (idleCount >= connections.length) allIdle?.();
  };
  const connections = Array.from({ length: spec.connections }, (_, index) => {
    const target = targets[index % targets.length]!;
    // Each connection starts at its own place in the list (or its own random sequence).
    const next = picker(target.requests, spec.order, index * 7919);
    return new Connection(target, window, next, spec.insecureTls ?? false, onIdle);
  });
  await Promise.all(connections.map((c) => c.connect()));
  const idle = new Promise<void>((resolve) => (allIdle = resolve));
  const closed = window.start();
  for (const connection of connections) connection.send();
  await closed;
  // Let in-flight answers arrive (they are not counted) so the server is not left mid-write.
  await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, 2000))]);
  for (const connection of connections) connection.close();
  return window.outcome("node-http1");
}
