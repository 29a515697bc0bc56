/**
 * The one port over TLS: the official client's gRPC transport with TLS
 * credentials, REST over HTTPS, ALPN that keeps REST clients on HTTP/1.1,
 * mutual TLS, and what happens to clients that do not speak TLS or present
 * no certificate. Certificates come from src/tls (the serving side) and from
 * `openssl` (client certificates, test/support/client-certificate).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import grafeas from "@google-cloud/grafeas";
import * as grpc from "@grpc/grpc-js";
import { PassThroughClient } from "google-auth-library";
import { opensslClientCertificate, type ClientCertificateFiles } from "../../test/support/client-certificate.js";
import { GrafeasGrpcClient } from "../client/grafeas-grpc-client.js";
import { ScribaError } from "../errors.js";
import { generateWebhookCertificates, type WebhookCertificates } from "../tls/webhook-certificates.js";
import { createGrpcServer } from "./grpc-edge.js";
import { chooseAlpnProtocol, listenOnePort, type OnePortListener, type OnePortTls } from "./one-port-listener.js";
import { createRestHandler } from "./rest-edge.js";
import { createInMemoryGrafeas } from "./testing/in-memory-grafeas.js";

/**
 * The official client over gRPC with TLS. With TLS credentials google-gax
 * also adds Google call credentials; a pass-through auth client keeps it from
 * looking for a cloud metadata server, as users of a self-hosted Grafeas do.
 */
function tlsGrafeasClient(port: number, sslCreds: grpc.ChannelCredentials) {
  // google-gax carries its own copy of google-auth-library, so the class types differ; the object works.
  return new grafeas.v1.GrafeasClient({ servicePath: "127.0.0.1", port, sslCreds, authClient: new PassThroughClient() as never });
}

async function startListener(tls: OnePortTls): Promise<OnePortListener> {
  const service = createInMemoryGrafeas();
  const logInternalError = () => {};
  return listenOnePort({
    host: "127.0.0.1",
    port: 0,
    httpHandler: createRestHandler({ methods: service.methods, logInternalError }),
    grpcServer: createGrpcServer({ methods: service.methods, logInternalError }),
    tls,
    firstBytesTimeoutMs: 2_000,
  });
}

interface HttpsAnswer {
  readonly status: number;
  readonly body: string;
}

function httpsGet(port: number, path: string, options: { ca: string; cert?: string; key?: string }): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: "127.0.0.1", port, path, agent: false, ...options }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** The protocol the server picks when a client offers `offered` over ALPN. */
function negotiatedProtocol(port: number, ca: string, offered: string[]): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, ca, ALPNProtocols: offered }, () => {
      resolve(socket.alpnProtocol ?? false);
      socket.end();
    });
    socket.on("error", reject);
  });
}

describe("ALPN choice on the TLS port", () => {
  test("a client that offers HTTP/1.1 gets HTTP/1.1 even when it prefers h2", () => {
    assert.equal(chooseAlpnProtocol(["h2", "http/1.1"]), "http/1.1");
  });

  test("a client that offers only h2 (a gRPC client) gets h2", () => {
    assert.equal(chooseAlpnProtocol(["h2"]), "h2");
  });

  test("a client that offers neither is refused", () => {
    assert.equal(chooseAlpnProtocol(["spdy/3"]), undefined);
  });
});

describe("the one port over TLS", { timeout: 60_000 }, () => {
  let certificates: WebhookCertificates;
  let listener: OnePortListener;
  let port: number;

  before(async () => {
    certificates = await generateWebhookCertificates({ service: "scriba", namespace: "test", ipAddresses: ["127.0.0.1"] });
    listener = await startListener({ cert: certificates.certificatePem, key: certificates.privateKeyPem });
    port = listener.address.port;
  });

  after(async () => {
    await listener.close();
  });

  test("the official client over gRPC with TLS credentials creates and reads a note", async () => {
    const client = tlsGrafeasClient(port, grpc.credentials.createSsl(Buffer.from(certificates.caCertificatePem)));
    try {
      await client.createNote({ parent: "projects/p", noteId: "over-tls", note: { shortDescription: "secret channel" } });
      const [note] = await client.getNote({ name: "projects/p/notes/over-tls" });
      assert.equal(note.shortDescription, "secret channel");
    } finally {
      await client.close();
    }
  });

  test("REST over HTTPS answers with the Google error body", async () => {
    const answer = await httpsGet(port, "/v1/projects/p/notes/absent", { ca: certificates.caCertificatePem });
    assert.equal(answer.status, 404);
    assert.equal((JSON.parse(answer.body) as { error: { status: string } }).error.status, "NOT_FOUND");
  });

  test("a client offering h2 and HTTP/1.1 is given HTTP/1.1, one offering only h2 is given h2", async () => {
    assert.equal(await negotiatedProtocol(port, certificates.caCertificatePem, ["h2", "http/1.1"]), "http/1.1");
    assert.equal(await negotiatedProtocol(port, certificates.caCertificatePem, ["h2"]), "h2");
  });

  test("a cleartext HTTP request is dropped without an answer and the port keeps serving TLS", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: "127.0.0.1", port, path: "/healthz", agent: false }, () => resolve("answered"));
      req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      req.end();
    });
    assert.notEqual(outcome, "answered");
    const answer = await httpsGet(port, "/v1/projects/p/notes/absent", { ca: certificates.caCertificatePem });
    assert.equal(answer.status, 404);
  });

  test("a certificate that does not match its key is INVALID_ARGUMENT before anything listens", async () => {
    const other = await generateWebhookCertificates({ service: "other", namespace: "test" });
    await assert.rejects(
      startListener({ cert: certificates.certificatePem, key: other.privateKeyPem }),
      (error: unknown) => error instanceof ScribaError && error.code === "INVALID_ARGUMENT" && /TLS/.test(error.message),
    );
  });
});

describe("the one port with mutual TLS", { timeout: 60_000 }, () => {
  let dir: string;
  let certificates: WebhookCertificates;
  let trusted: ClientCertificateFiles;
  let stranger: ClientCertificateFiles;
  let listener: OnePortListener;
  let port: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "scriba-mtls-"));
    certificates = await generateWebhookCertificates({ service: "scriba", namespace: "test", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
    trusted = opensslClientCertificate(dir, "trusted-client");
    stranger = opensslClientCertificate(dir, "stranger");
    listener = await startListener({ cert: certificates.certificatePem, key: certificates.privateKeyPem, clientCa: trusted.cert });
    port = listener.address.port;
  });

  after(async () => {
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a REST client presenting a certificate the client CA issued is served", async () => {
    const answer = await httpsGet(port, "/v1/projects/p/notes/absent", { ca: certificates.caCertificatePem, cert: trusted.cert, key: trusted.key });
    assert.equal(answer.status, 404);
  });

  test("a REST client presenting no certificate is refused in the handshake", async () => {
    await assert.rejects(httpsGet(port, "/v1/projects/p/notes/absent", { ca: certificates.caCertificatePem }));
  });

  test("a REST client presenting a certificate from another issuer is refused in the handshake", async () => {
    await assert.rejects(httpsGet(port, "/v1/projects/p/notes/absent", { ca: certificates.caCertificatePem, cert: stranger.cert, key: stranger.key }));
  });

  test("the official gRPC client with a trusted client certificate is served, and without one never connects", async () => {
    const ca = Buffer.from(certificates.caCertificatePem);
    const withCertificate = tlsGrafeasClient(port, grpc.credentials.createSsl(ca, Buffer.from(trusted.key), Buffer.from(trusted.cert)));
    const without = tlsGrafeasClient(port, grpc.credentials.createSsl(ca));
    try {
      await withCertificate.createNote({ parent: "projects/m", noteId: "mutual", note: { shortDescription: "both sides known" } });
      const [note] = await withCertificate.getNote({ name: "projects/m/notes/mutual" });
      assert.equal(note.shortDescription, "both sides known");
      // grpc-js keeps retrying a channel whose handshakes fail, so the call ends UNAVAILABLE or at its deadline.
      await assert.rejects(without.getNote({ name: "projects/m/notes/mutual" }, { timeout: 2_000 }), (error: { code?: number }) => {
        assert.ok(error.code === grpc.status.UNAVAILABLE || error.code === grpc.status.DEADLINE_EXCEEDED, `code ${error.code}`);
        return true;
      });
    } finally {
      await Promise.all([withCertificate.close(), without.close()]);
    }
  });

  test("Scriba's own gRPC client over grpcs:// presents its client certificate and is served", async () => {
    const client = new GrafeasGrpcClient({
      baseUrl: `grpcs://localhost:${port}`,
      ca: certificates.caCertificatePem,
      clientCertificate: { cert: trusted.cert, key: trusted.key },
      timeoutMs: 5_000,
    });
    try {
      const page = await client.listNotes("projects/m");
      assert.ok(Array.isArray(page.items));
    } finally {
      client.close();
    }
  });
});
