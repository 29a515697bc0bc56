import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { unusedLoopbackUrl } from "../cli/__fixtures__/cli-server.js";
import { parseServerUrl, transportOf } from "../client/server-url.js";
import { grpcTargetOf } from "../client/grafeas-grpc-client.js";
import { ListNoteOccurrencesRequestSchema } from "../gen/grafeas/v1/grafeas_pb.js";
import { silentLogger } from "../logging/logger.js";
import { createServices, type RunningScribaServer, startScribaServer } from "../server/scriba-server.js";
import { generateWebhookCertificates } from "../tls/webhook-certificates.js";
import { createGrpcServer } from "../wire/grpc-edge.js";
import { MetadataWorld, ecKeyPair, images } from "./__fixtures__/admission-world.js";
import { type GrpcStandIn, startGrpcStandIn } from "./__fixtures__/grafeas-grpc-stand-in.js";
import { grpcMetadata, type GrpcMetadataOptions } from "./grpc-metadata.js";
import type { MetadataSource } from "./metadata-source.js";
import { scribaRejection as rejection } from "../../test/support/scriba-rejection.js";

const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
const webUri = `https://${images.web}`;

let world: MetadataWorld;
let scriba: RunningScribaServer;
let scribaUrl: string;
let standIn: GrpcStandIn;
const opened: (MetadataSource & { close(): Promise<void> })[] = [];

/** A gRPC source that the suite closes at the end. */
function source(options: Partial<GrpcMetadataOptions> = {}) {
  const made = grpcMetadata({ baseUrl: scribaUrl, ...options });
  opened.push(made);
  return made;
}

before(async () => {
  world = new MetadataWorld();
  await world.pkixAttestation(qaNote, qaKey, images.web);
  await world.pkixAttestation(qaNote, qaKey, images.web);
  await world.pkixAttestation(qaNote, qaKey, images.web, { project: "team-b" });
  await world.pkixAttestation(qaNote, qaKey, images.sidecar);
  await world.vulnerability(images.web, "CVE-2023-0001", "HIGH");
  await world.vulnerability(images.sidecar, "CVE-2023-0002", "HIGH");
  scriba = await startScribaServer({ listen: { host: "127.0.0.1", port: 0 }, store: world.store, logger: silentLogger });
  scribaUrl = `grpc://127.0.0.1:${scriba.address.port}`;
  standIn = await startGrpcStandIn();
});
after(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await standIn.close();
  // Closes the shared store too.
  await scriba.close();
});

describe("gRPC server URLs", () => {
  test("grpc:// and grpcs:// choose gRPC, http:// and https:// REST", () => {
    assert.equal(transportOf(parseServerUrl("grpc://scriba:8080", ["rest", "grpc"])), "grpc");
    assert.equal(transportOf(parseServerUrl("grpcs://scriba.example", ["rest", "grpc"])), "grpc");
    assert.equal(transportOf(parseServerUrl("https://scriba.example", ["rest", "grpc"])), "rest");
  });

  test("a gRPC URL without a port gets its scheme's default port", () => {
    assert.equal(grpcTargetOf(parseServerUrl("grpc://scriba", ["grpc"])), "scriba:80");
    assert.equal(grpcTargetOf(parseServerUrl("grpcs://scriba.example", ["grpc"])), "scriba.example:443");
    assert.equal(grpcTargetOf(parseServerUrl("grpcs://[::1]:8443/", ["grpc"])), "[::1]:8443");
  });

  test("a gRPC URL with a path is refused, since gRPC method paths are fixed", () => {
    assert.throws(() => parseServerUrl("grpc://scriba:8080/grafeas", ["rest", "grpc"]), /has no path/);
  });

  test("a command that only speaks REST refuses a gRPC URL", () => {
    assert.throws(() => parseServerUrl("grpc://scriba:8080"), /must be an http:\/\/ or https:\/\/ URL/);
  });

  test("an unknown scheme is refused with the schemes that are accepted", () => {
    assert.throws(() => parseServerUrl("ftp://scriba", ["rest", "grpc"]), /must be an http:\/\/, https:\/\/, grpc:\/\/ or grpcs:\/\/ URL/);
  });
});

describe("the gRPC metadata adapter against scriba serve", () => {
  test("attestations of the image are found across projects and pages, and only of that image", async () => {
    const found = (await source({ pageSize: 1 }).noteOccurrences(qaNote, [webUri, images.web])) as { name: string; resourceUri: string }[];
    assert.equal(found.length, 3);
    assert.deepEqual(new Set(found.map((o) => o.name.split("/")[1])), new Set(["attestations", "team-b"]));
    assert.ok(found.every((o) => o.resourceUri === webUri));
  });

  test("occurrences cross the port as proto3 JSON with their attestation", async () => {
    const [first] = (await source().noteOccurrences(qaNote, [webUri])) as { kind: string; attestation: { signatures: unknown[] } }[];
    assert.equal(first?.kind, "ATTESTATION");
    assert.equal(first.attestation.signatures.length, 1);
  });

  test("the vulnerabilities of the image, and only of it, are listed", async () => {
    const found = (await source({ pageSize: 1 }).vulnerabilityOccurrences("kritis", [webUri])) as { noteName: string; kind: string }[];
    assert.deepEqual(found.map((o) => [o.kind, o.noteName]), [["VULNERABILITY", "projects/goog-vulnz/notes/CVE-2023-0001"]]);
  });

  test("an absent note yields no occurrences rather than an error", async () => {
    assert.deepEqual(await source().noteOccurrences("projects/nobody/notes/none", [webUri]), []);
  });

  test("an absent project yields no vulnerabilities rather than an error", async () => {
    assert.deepEqual(await source().vulnerabilityOccurrences("nobody-here", [webUri]), []);
  });

  test("creating a note twice reports it created, then existing", async () => {
    const grpcSource = source();
    const note = { attestation: { hint: { humanReadableName: "grpc" } } };
    const first = await grpcSource.createNote("grpc-adapter", "twice", note);
    const second = await grpcSource.createNote("grpc-adapter", "twice", note);
    assert.deepEqual([first, second], ["created", "exists"]);
  });

  test("an occurrence created through the adapter is listed, and an update changes only the masked field", async () => {
    const grpcSource = source();
    await grpcSource.createNote("grpc-deployments", "cluster", { deployment: { resourceUri: ["https://cluster.example"] } });
    const created = (await grpcSource.createOccurrence("grpc-deployments", {
      resourceUri: webUri,
      noteName: "projects/grpc-deployments/notes/cluster",
      deployment: { deployTime: "2026-01-02T03:04:05Z", address: "kubernetes://c/api/v1/namespaces/shop/pods/web", resourceUri: [webUri] },
    })) as { name: string; kind: string };
    assert.equal(created.kind, "DEPLOYMENT");
    assert.match(created.name, /^projects\/grpc-deployments\/occurrences\/./);

    const running = `kind="DEPLOYMENT" AND NOT deployment.undeployTime:*`;
    assert.deepEqual(((await grpcSource.listOccurrences("grpc-deployments", running)) as { name: string }[]).map((o) => o.name), [created.name]);

    const updated = (await grpcSource.updateOccurrence(created.name, { deployment: { undeployTime: "2026-01-02T04:00:00Z" } }, ["deployment.undeployTime"])) as {
      deployment: { deployTime: string; undeployTime: string; address: string };
    };
    assert.equal(updated.deployment.undeployTime, "2026-01-02T04:00:00Z");
    assert.equal(updated.deployment.deployTime, "2026-01-02T03:04:05Z");
    assert.equal(updated.deployment.address, "kubernetes://c/api/v1/namespaces/shop/pods/web");
    assert.deepEqual(await grpcSource.listOccurrences("grpc-deployments", running), []);
  });

  test("updating an occurrence that does not exist is NOT_FOUND", async () => {
    const error = await rejection(
      source().updateOccurrence("projects/grpc-deployments/occurrences/none", { deployment: { undeployTime: "2026-01-02T04:00:00Z" } }, ["deployment.undeployTime"]),
    );
    assert.equal(error.code, "NOT_FOUND");
  });

  test("a creation the server refuses is UNAVAILABLE and quotes the server's status", async () => {
    const error = await rejection(source().createOccurrence("grpc-adapter", { resourceUri: webUri, noteName: "projects/nobody/notes/none", attestation: { serializedPayload: "e30=" } }));
    assert.equal(error.code, "UNAVAILABLE");
    assert.match(error.message, new RegExp(`^creating an occurrence in projects/grpc-adapter: ${scribaUrl} answered FAILED_PRECONDITION: `));
  });

  test("probe answers for a reachable server, even when the probed project does not exist", async () => {
    await source().probe();
  });

  test("more pages than the bound is UNAVAILABLE, not an endless read", async () => {
    const error = await rejection(source({ pageSize: 1, maxPages: 2 }).noteOccurrences(qaNote, [webUri]));
    assert.equal(error.code, "UNAVAILABLE");
    assert.match(error.message, /more than 2 pages/);
  });

  test("the description names the server for logs", () => {
    assert.equal(source().description, scribaUrl);
  });
});

describe("the gRPC metadata adapter when the server is not answering", () => {
  test("a closed port is UNAVAILABLE naming the server, without waiting for the deadline", async () => {
    const closed = (await unusedLoopbackUrl()).replace("http://", "grpc://");
    // A minute-long deadline: a DEADLINE_EXCEEDED here would mean the call waited for it.
    const error = await rejection(source({ baseUrl: closed, timeoutMs: 60_000 }).vulnerabilityOccurrences("kritis", [webUri]));
    assert.equal(error.code, "UNAVAILABLE");
    assert.match(error.message, new RegExp(`the Grafeas server at ${closed} is unavailable`));
  });

  test("probe fails with UNAVAILABLE when nothing listens", async () => {
    const closed = (await unusedLoopbackUrl()).replace("http://", "grpc://");
    const error = await rejection(source({ baseUrl: closed, timeoutMs: 60_000 }).probe());
    assert.equal(error.code, "UNAVAILABLE");
  });

  test("a stalled server is DEADLINE_EXCEEDED at the call's deadline", async () => {
    standIn.misbehave("stall");
    try {
      const error = await rejection(source({ baseUrl: standIn.url, timeoutMs: 200 }).noteOccurrences(qaNote, [webUri]));
      assert.equal(error.code, "DEADLINE_EXCEEDED");
      assert.match(error.message, /no reply within 200 ms/);
    } finally {
      standIn.misbehave("empty");
    }
  });

  test("a stalled server is DEADLINE_EXCEEDED when the caller's signal fires first", async () => {
    standIn.misbehave("stall");
    try {
      const signal = AbortSignal.timeout(200);
      const error = await rejection(source({ baseUrl: standIn.url, timeoutMs: 60_000 }).noteOccurrences(qaNote, [webUri], { signal }));
      assert.equal(error.code, "DEADLINE_EXCEEDED");
      assert.match(error.message, /the request deadline passed before grpc:\/\/127\.0\.0\.1:\d+ answered/);
    } finally {
      standIn.misbehave("empty");
    }
  });

  test("a server error is UNAVAILABLE and quotes the server's status and message", async () => {
    standIn.misbehave("fail");
    try {
      const error = await rejection(source({ baseUrl: standIn.url }).noteOccurrences(qaNote, [webUri]));
      assert.equal(error.code, "UNAVAILABLE");
      assert.match(error.message, /answered INTERNAL: storage exploded/);
    } finally {
      standIn.misbehave("empty");
    }
  });

  test("an HTTP 404 from something that is not a gRPC server is UNAVAILABLE, not 'no attestations'", async () => {
    standIn.misbehave("not-grpc");
    try {
      const error = await rejection(source({ baseUrl: standIn.url }).noteOccurrences(qaNote, [webUri]));
      assert.equal(error.code, "UNAVAILABLE");
    } finally {
      standIn.misbehave("empty");
    }
  });

  test("asks with the grafeas.v1 method, the resource filter and the bearer token", async () => {
    standIn.calls.length = 0;
    assert.deepEqual(await source({ baseUrl: standIn.url, bearerToken: "t0ken", pageSize: 7 }).noteOccurrences(qaNote, [webUri]), []);
    const [call] = standIn.calls;
    assert.equal(call?.path, "/grafeas.v1.Grafeas/ListNoteOccurrences");
    assert.equal(call.headers["authorization"], "Bearer t0ken");
    assert.match(String(call.headers["grpc-timeout"]), /^\d+[mnuS]$/);
    const request = fromBinary(ListNoteOccurrencesRequestSchema, call.message);
    assert.deepEqual([request.name, request.filter, request.pageSize], [qaNote, `resourceUri="${webUri}"`, 7]);
  });
});

describe("the gRPC metadata adapter over TLS", () => {
  let tlsServer: grpc.Server;
  let tlsUrl: string;
  let caPem: string;

  before(async () => {
    const certificates = await generateWebhookCertificates({ service: "scriba", namespace: "test", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] });
    caPem = certificates.caCertificatePem;
    // The real gRPC edge over the same store, behind grpc-js's own TLS: what a TLS-terminating Scriba deployment offers.
    tlsServer = createGrpcServer({ methods: [...createServices(world.store).methods.values()], logInternalError: () => {} });
    const credentials = grpc.ServerCredentials.createSsl(null, [
      { private_key: Buffer.from(certificates.privateKeyPem), cert_chain: Buffer.from(certificates.certificatePem) },
    ]);
    const port = await new Promise<number>((resolve, reject) =>
      tlsServer.bindAsync("127.0.0.1:0", credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
    );
    tlsUrl = `grpcs://localhost:${port}`;
  });
  after(() => {
    tlsServer.forceShutdown();
  });

  test("a grpcs server is trusted through the given CA", async () => {
    const found = await source({ baseUrl: tlsUrl, ca: caPem }).noteOccurrences(qaNote, [webUri]);
    assert.equal(found.length, 3);
  });

  test("a grpcs server whose certificate the system does not trust is UNAVAILABLE", async () => {
    const error = await rejection(source({ baseUrl: tlsUrl, timeoutMs: 60_000 }).noteOccurrences(qaNote, [webUri]));
    assert.equal(error.code, "UNAVAILABLE");
  });
});
