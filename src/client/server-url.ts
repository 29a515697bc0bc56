/**
 * @module client/server-url
 *
 * The one check of a Grafeas server's URL, wherever it is given (the
 * `--server` flag and `SCRIBA_SERVER` of every command, a client's
 * `baseUrl`). The scheme chooses the transport:
 *
 * | scheme | transport |
 * |---|---|
 * | `http://`, `https://` | grafeas.v1 REST, optionally below a path prefix (`https://proxy.example/scriba`) |
 * | `grpc://` | grafeas.v1 gRPC in plaintext HTTP/2 (h2c), port 80 unless given |
 * | `grpcs://` | grafeas.v1 gRPC over TLS, port 443 unless given |
 *
 * The gRPC schemes are accepted only where a gRPC client exists (the
 * admission webhook's metadata source); the other commands speak REST. A gRPC
 * URL has no path: method paths are fixed (`/grafeas.v1.Grafeas/…`).
 *
 * Nothing a request URL could not keep or should not carry is accepted.
 * Credentials in the URL are refused rather than sent: a bearer token is the
 * way to authenticate. Messages do not echo a URL that may hold a secret.
 */
import { invalidArgument } from "../errors.js";

export type ServerTransport = "rest" | "grpc";

const transportsByScheme: ReadonlyMap<string, ServerTransport> = new Map([
  ["http:", "rest"],
  ["https:", "rest"],
  ["grpc:", "grpc"],
  ["grpcs:", "grpc"],
]);

/** The transport a checked server URL asks for. */
export function transportOf(url: URL): ServerTransport {
  return transportsByScheme.get(url.protocol) ?? "rest";
}

const schemeList = (transports: readonly ServerTransport[]) => {
  const schemes = [...transportsByScheme].filter(([, transport]) => transports.includes(transport)).map(([scheme]) => `${scheme}//`);
  return schemes.length <= 2 ? schemes.join(" or ") : `${schemes.slice(0, -1).join(", ")} or ${schemes.at(-1)}`;
};

/**
 * Checks a server URL. `transports` are the ones the caller has a client
 * for; REST alone by default.
 */
export function parseServerUrl(text: string, transports: readonly ServerTransport[] = ["rest"]): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const transport = url === undefined ? undefined : transportsByScheme.get(url.protocol);
  if (url === undefined || transport === undefined || !transports.includes(transport)) {
    throw invalidArgument(`the server URL must be an ${schemeList(transports)} URL, got ${JSON.stringify(text)}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidArgument("the server URL must not carry credentials; use a bearer token");
  }
  if (url.search !== "" || url.hash !== "") throw invalidArgument("the server URL must not have a query or fragment");
  if (transport === "grpc") {
    if (url.hostname === "") throw invalidArgument(`the server URL must name a host, got ${JSON.stringify(text)}`);
    if (url.pathname !== "" && url.pathname !== "/") {
      throw invalidArgument(`a ${url.protocol}// server URL has no path (gRPC method paths are fixed), got ${JSON.stringify(text)}`);
    }
  }
  return url;
}
