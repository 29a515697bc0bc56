/**
 * @module wire/one-port-listener
 *
 * gRPC and REST on one TCP port, the way Grafeas does it with cmux: a
 * net.Server reads the first bytes of each connection. The HTTP/2 connection
 * preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`; gRPC over cleartext always
 * starts with it) sends the connection to grpc-js through its connection
 * injector; anything else goes to a node:http server.
 *
 * With `tls`, the port speaks TLS only: the handshake comes first, then the
 * same sniffing on the decrypted bytes. ALPN picks `http/1.1` whenever the
 * client offers it (curl, browsers, the official client's REST transport,
 * Node's https) and `h2` when that is all it offers (gRPC clients), so a REST
 * client never lands on the gRPC server by negotiating HTTP/2. With
 * `tls.clientCa`, clients must present a certificate issued by one of those
 * CAs (mutual TLS); the handshake of any other client fails.
 *
 * Connections that send nothing are closed after a timeout (with TLS, also
 * those that do not finish the handshake in that time); socket errors are
 * contained to their connection. `close()` stops accepting, lets in-flight
 * HTTP requests and gRPC calls finish (HTTP keep-alive connections are closed
 * once idle, gRPC sessions get GOAWAY), and forces the rest closed after a
 * grace period. It shuts the given grpc-js server down.
 */
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, ServerOptions as HttpServerOptions, ServerResponse } from "node:http";
import { createServer as createNetServer } from "node:net";
import type { AddressInfo, Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import type { Server as TlsServer, TLSSocket } from "node:tls";
import { ServerCredentials } from "@grpc/grpc-js";
import type { Server as GrpcServer } from "@grpc/grpc-js";
import { invalidArgument } from "../errors.js";
import { ReplayingSocket } from "./replaying-socket.js";

export interface OnePortOptions {
  /** Address to bind, e.g. `127.0.0.1`, `::`, `0.0.0.0`. */
  readonly host: string;
  /** 0 picks a free port; the real one is in `address`. */
  readonly port: number;
  readonly httpHandler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Served on this port; `close()` shuts it down. */
  readonly grpcServer: GrpcServer;
  /** How long a new connection may stay silent before it is closed; default 10 s. */
  readonly firstBytesTimeoutMs?: number;
  /** How long `close()` waits for in-flight work before forcing connections closed; default 5 s. */
  readonly shutdownGraceMs?: number;
  /** For the node:http side: headersTimeout, requestTimeout, keepAliveTimeout, maxHeaderSize… */
  readonly httpServerOptions?: HttpServerOptions;
  /** Serve TLS instead of cleartext. */
  readonly tls?: OnePortTls | undefined;
}

export interface OnePortTls {
  /** PEM serving certificate, leaf first, then intermediates. */
  readonly cert: string;
  /** PEM private key of the serving certificate. */
  readonly key: string;
  /** PEM CA certificate(s): when set, every client must present a certificate they issued. */
  readonly clientCa?: string | undefined;
}

export interface OnePortListener {
  readonly address: { readonly host: string; readonly port: number };
  /** Stops accepting and closes every connection (gracefully, then by force). Idempotent. */
  close(): Promise<void>;
}

const http2Preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** "http2" or "http1" once the bytes decide it; undefined while they are a strict prefix of the preface. */
function protocolOf(firstBytes: Buffer): "http2" | "http1" | undefined {
  const length = Math.min(firstBytes.length, http2Preface.length);
  if (firstBytes.compare(http2Preface, 0, length, 0, length) !== 0) return "http1";
  return firstBytes.length >= http2Preface.length ? "http2" : undefined;
}

const ignore = () => {};

/** HTTP/1.1 whenever the client can speak it; HTTP/2 (gRPC) only for clients that offer nothing else. */
export function chooseAlpnProtocol(offered: readonly string[]): string | undefined {
  if (offered.includes("http/1.1")) return "http/1.1";
  if (offered.includes("h2")) return "h2";
  return undefined;
}

function createTlsEndpoint(tls: OnePortTls, handshakeTimeoutMs: number, onSecure: (socket: TLSSocket) => void): TlsServer {
  try {
    return createTlsServer(
      {
        cert: tls.cert,
        key: tls.key,
        minVersion: "TLSv1.2",
        handshakeTimeout: handshakeTimeoutMs,
        ALPNCallback: ({ protocols }) => chooseAlpnProtocol(protocols),
        ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
      },
      onSecure,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw invalidArgument(`the API's TLS certificate, key and client CA cannot be used: ${reason}`);
  }
}

export async function listenOnePort(options: OnePortOptions): Promise<OnePortListener> {
  const firstBytesTimeoutMs = options.firstBytesTimeoutMs ?? 10_000;
  const shutdownGraceMs = options.shutdownGraceMs ?? 5_000;
  const grpcServer = options.grpcServer;
  // First, so that unusable TLS material fails before anything else is set up.
  const tlsServer = options.tls === undefined ? undefined : createTlsEndpoint(options.tls, firstBytesTimeoutMs, sniff);
  const injector = grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  let closing = false;

  const httpHandler = options.httpHandler;
  const httpServer = createHttpServer(options.httpServerOptions ?? {}, (req, res) => {
    // While closing, every response ends its connection instead of keeping it alive.
    if (closing) res.setHeader("connection", "close");
    try {
      httpHandler(req, res);
    } catch {
      // A handler bug must cost one request, not the process.
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("internal error");
    }
  });
  // This http.Server never listens itself: connections are handed to it. Its
  // 'listening' event is what starts connection tracking, which node:http
  // needs to enforce headersTimeout/requestTimeout and to close idle
  // keep-alive connections on shutdown.
  httpServer.emit("listening");

  const sockets = new Set<Socket>();
  const sniffing = new Set<Socket>();

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  }

  function dispatch(socket: Socket, firstBytes: Buffer, protocol: "http1" | "http2"): void {
    sniffing.delete(socket);
    socket.setTimeout(0);
    if (protocol === "http2") {
      const duplex = new ReplayingSocket(socket, firstBytes);
      duplex.on("error", ignore);
      injector.injectConnection(duplex);
    } else {
      socket.unshift(firstBytes);
      httpServer.emit("connection", socket);
      socket.resume();
    }
  }

  function sniff(socket: Socket): void {
    track(socket);
    sniffing.add(socket);
    socket.on("close", () => sniffing.delete(socket));
    // Errors belong to the connection; the protocol servers add their own handlers.
    socket.on("error", ignore);
    if (closing) {
      socket.destroy();
      return;
    }
    socket.setTimeout(firstBytesTimeoutMs, () => {
      if (sniffing.has(socket)) socket.destroy();
    });
    let seen: Buffer = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
      const protocol = protocolOf(seen);
      if (protocol === undefined) return;
      socket.off("data", onData);
      socket.pause();
      dispatch(socket, seen, protocol);
    };
    socket.on("data", onData);
  }

  // A failed handshake (no client certificate, a bad one, not TLS at all) costs only its connection.
  tlsServer?.on("tlsClientError", (_error, socket) => socket.destroy());

  // The TLS server never listens itself either: the TCP listener hands it every connection.
  const acceptTls = (socket: Socket) => {
    track(socket);
    socket.on("error", ignore);
    if (closing) socket.destroy();
    else tlsServer!.emit("connection", socket);
  };
  const netServer = createNetServer({ noDelay: true }, tlsServer === undefined ? sniff : acceptTls);
  netServer.on("error", ignore);
  try {
    await new Promise<void>((resolve, reject) => {
      netServer.once("error", reject);
      netServer.listen(options.port, options.host, () => {
        netServer.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    injector.destroy();
    httpServer.close(ignore);
    throw error;
  }
  const bound = netServer.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    closing = true;
    const allClosed = new Promise<void>((resolve) => netServer.close(() => resolve()));
    for (const socket of sniffing) socket.destroy();
    const grpcDone = new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()));
    // In-flight responses end their connections (see the request wrapper);
    // idle keep-alive connections are closed now and as they become idle.
    httpServer.closeIdleConnections();
    const idleSweep = setInterval(() => httpServer.closeIdleConnections(), 25);
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<"grace-over">((resolve) => {
      graceTimer = setTimeout(() => resolve("grace-over"), shutdownGraceMs);
    });
    const outcome = await Promise.race([Promise.all([allClosed, grpcDone]), graceOver]);
    if (outcome === "grace-over") {
      grpcServer.forceShutdown();
      httpServer.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await allClosed;
    }
    clearTimeout(graceTimer);
    clearInterval(idleSweep);
    // Stops node:http's connection-checking timer; it was never listening, so there is nothing else to close.
    httpServer.close(ignore);
  }

  return {
    address: { host: bound.address, port: bound.port },
    close() {
      closed ??= shutdown();
      return closed;
    },
  };
}
