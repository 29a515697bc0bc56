/**
 * @module client/http-exchange
 *
 * One HTTP/1.1 request and its whole reply, over node:http or node:https.
 *
 * node:http(s) rather than fetch: Node 20's fetch can only trust a private CA
 * (`--server-ca`) by changing the trust store of the whole process, or through
 * undici's own Agent, which is not a dependency. Here the CA goes with the
 * request. Connections are kept alive by Node's global agents, which pool them
 * by CA too, so a connection trusted through one CA never serves a client of
 * another. Redirects are not followed (a bearer token must not travel to
 * another host); a 3xx is a reply like any other.
 *
 * The reply is refused as soon as it is over the size bound, by its declared
 * length or by what has arrived, before it is held in memory. Aborting the
 * signal destroys the request; the promise then rejects with Node's
 * AbortError, and the caller says why (timeout or cancellation).
 */
import { type IncomingMessage, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { ScribaError } from "../errors.js";
import type { ClientCertificate } from "./grafeas-client.js";

export interface HttpExchange {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text; sent with its length. */
  readonly body?: string | undefined;
  /** PEM CA certificate(s) trusted instead of the system's, for https. */
  readonly ca?: string | undefined;
  /** Presented to an https server that asks for a client certificate (mutual TLS). */
  readonly clientCertificate?: ClientCertificate | undefined;
  readonly signal: AbortSignal;
  /** The largest reply body read; a larger one is RESOURCE_EXHAUSTED. */
  readonly maxResponseBytes: number;
  /** Names the call in messages: `GET https://scriba.example/v1/projects/p/notes`. */
  readonly where: string;
}

export interface HttpReply {
  readonly status: number;
  readonly text: string;
}

export function exchange(call: HttpExchange): Promise<HttpReply> {
  return new Promise<HttpReply>((resolve, reject) => {
    const payload = call.body === undefined ? undefined : Buffer.from(call.body, "utf8");
    const headers = payload === undefined ? call.headers : { ...call.headers, "content-length": String(payload.length) };
    const open = call.url.protocol === "https:" ? httpsRequest : httpRequest;
    const request = open(call.url, {
      method: call.method,
      headers,
      signal: call.signal,
      ...(call.ca === undefined ? {} : { ca: call.ca }),
      ...(call.clientCertificate === undefined ? {} : { cert: call.clientCertificate.cert, key: call.clientCertificate.key }),
    });
    const refuse = () => {
      reject(new ScribaError("RESOURCE_EXHAUSTED", `${call.where}: the reply is larger than ${call.maxResponseBytes} bytes`));
      request.destroy();
    };
    request.on("error", reject);
    request.on("response", (response: IncomingMessage) => {
      if (Number(response.headers["content-length"] ?? "NaN") > call.maxResponseBytes) {
        refuse();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > call.maxResponseBytes) refuse();
        else chunks.push(chunk);
      });
      response.on("error", reject);
      response.on("end", () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      // After `end` this is a no-op; before it, the connection dropped mid-reply.
      response.on("close", () => {
        if (!response.complete) reject(new Error("the connection closed before the reply was complete"));
      });
    });
    request.end(payload);
  });
}
