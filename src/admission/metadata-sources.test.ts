import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MetadataWorld, ecKeyPair, images, pod, podInput, policySet, authorityYaml, gapYaml } from "./__fixtures__/admission-world.js";
import { startRestStandIn } from "./__fixtures__/grafeas-rest-stand-in.js";
import type { RestStandIn } from "./__fixtures__/grafeas-rest-stand-in.js";
import { TestTls } from "./__fixtures__/test-tls.js";
import { planAdmission } from "./admission-plan.js";
import { grafeasServiceMetadata } from "./grafeas-service-metadata.js";
import { grpcMetadata } from "./grpc-metadata.js";
import { fetchMetadata } from "./metadata-fetch.js";
import type { MetadataSource } from "./metadata-source.js";
import { resourceUriCandidates, resourceUriFilter, vulnerabilityFilter } from "./resource-uris.js";
import { restMetadata } from "./rest-metadata.js";
import { parseImageReference } from "../image/image-reference.js";
import { silentLogger } from "../logging/logger.js";
import type { RunningScribaServer } from "../server/scriba-server.js";
import { startScribaServer } from "../server/scriba-server.js";
import { scribaRejection as rejection } from "../../test/support/scriba-rejection.js";

const qaNote = "projects/image-signing/notes/qa";
const qaKey = ecKeyPair();
const webUri = `https://${images.web}`;

let world: MetadataWorld;
let standIn: RestStandIn;
let scriba: RunningScribaServer;
let scribaUrl: string;
let scribaGrpcUrl: string;
const openSources: MetadataSource[] = [];

/** Keeps `source` to close at the end (a gRPC source holds a channel). */
function opened<T extends MetadataSource>(source: T): T {
  openSources.push(source);
  return source;
}

before(async () => {
  world = new MetadataWorld();
  for (let i = 0; i < 3; i += 1) await world.pkixAttestation(qaNote, qaKey, images.web);
  await world.pkixAttestation(qaNote, qaKey, images.sidecar);
  await world.vulnerability(images.web, "CVE-2023-0001", "HIGH");
  await world.vulnerability(images.sidecar, "CVE-2023-0002", "HIGH");
  standIn = await startRestStandIn(world.service);
  scriba = await startScribaServer({ listen: { host: "127.0.0.1", port: 0 }, store: world.store, logger: silentLogger });
  scribaUrl = `http://127.0.0.1:${scriba.address.port}`;
  scribaGrpcUrl = `grpc://127.0.0.1:${scriba.address.port}`;
});
after(async () => {
  for (const source of openSources) await source.close?.();
  await standIn.close();
  // Closes the shared store too.
  await scriba.close();
});

describe("resource URI spellings", () => {
  test("a short Docker Hub name is asked for in its normalised and written forms, with and without https://", () => {
    const digest = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
    const written = `nginx:1.25@${digest}`;
    assert.deepEqual(resourceUriCandidates(written, parseImageReference(written)), [
      `https://docker.io/library/nginx@${digest}`,
      `docker.io/library/nginx@${digest}`,
      `https://nginx@${digest}`,
      `nginx@${digest}`,
    ]);
  });

  test("the filters OR the spellings and add the kind for vulnerabilities", () => {
    assert.equal(resourceUriFilter(["https://a@sha256:1"]), 'resourceUri="https://a@sha256:1"');
    assert.equal(vulnerabilityFilter(["x", "y"]), '(resourceUri="x" OR resourceUri="y") AND kind="VULNERABILITY"');
  });
});

function adapterContract(name: string, make: () => MetadataSource) {
  describe(`${name}: the metadata port contract`, () => {
    test("every page of a note's occurrences for the image is read", async () => {
      const found = await make().noteOccurrences(qaNote, [webUri, images.web]);
      assert.equal(found.length, 3);
    });

    test("an absent note yields no occurrences rather than an error", async () => {
      assert.deepEqual(await make().noteOccurrences("projects/nobody/notes/none", [webUri]), []);
    });

    test("the vulnerabilities of the image, and only of it, are listed", async () => {
      const found = (await make().vulnerabilityOccurrences("kritis", [webUri])) as { noteName: string }[];
      assert.deepEqual(found.map((o) => o.noteName), ["projects/goog-vulnz/notes/CVE-2023-0001"]);
    });

    test("creating a note that exists reports it as existing", async () => {
      const source = make();
      const note = { attestation: { hint: { humanReadableName: "x" } } };
      // One note per adapter: each must see its own first creation.
      const noteId = `note-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
      const first = await source.createNote("adapter-tests", noteId, note);
      const second = await source.createNote("adapter-tests", noteId, note);
      assert.deepEqual([first, second], ["created", "exists"]);
    });
  });
}

adapterContract("in-process", () => grafeasServiceMetadata(world.service, { pageSize: 1 }));
adapterContract("REST against scriba serve", () => restMetadata({ baseUrl: scribaUrl, pageSize: 1 }));
adapterContract("gRPC against scriba serve", () => opened(grpcMetadata({ baseUrl: scribaGrpcUrl, pageSize: 1 })));

describe("every adapter bounds its work", () => {
  test("in-process: more pages than the bound is UNAVAILABLE, not an endless read", async () => {
    const error = await rejection(grafeasServiceMetadata(world.service, { pageSize: 1, maxPages: 2 }).noteOccurrences(qaNote, [webUri]));
    assert.equal(error.code, "UNAVAILABLE");
    assert.match(error.message, /more than 2 pages/);
  });

  test("REST: more pages than the bound is UNAVAILABLE, not an endless read", async () => {
    const error = await rejection(restMetadata({ baseUrl: scribaUrl, pageSize: 1, maxPages: 2 }).noteOccurrences(qaNote, [webUri]));
    assert.equal(error.code, "UNAVAILABLE");
    assert.match(error.message, /more than 2 pages/);
  });

  test("gRPC: more pages than the bound is UNAVAILABLE, not an endless read", async () => {
    const error = await rejection(opened(grpcMetadata({ baseUrl: scribaGrpcUrl, pageSize: 1, maxPages: 2 })).noteOccurrences(qaNote, [webUri]));
    assert.equal(error.code, "UNAVAILABLE");
    assert.match(error.message, /more than 2 pages/);
  });
});

describe("the REST adapter (failure modes played by a stand-in server)", () => {
  test("asks with the grafeas.v1 REST paths and the resource filter", async () => {
    standIn.requests.length = 0;
    await restMetadata({ baseUrl: standIn.url }).noteOccurrences(qaNote, [webUri]);
    const [first] = standIn.requests;
    const url = new URL(first!.split(" ")[1]!, "http://x");
    assert.equal(url.pathname, "/v1/projects/image-signing/notes/qa/occurrences");
    assert.equal(url.searchParams.get("filter"), `resourceUri="${webUri}"`);
  });

  test("a server error is UNAVAILABLE and quotes the server's message", async () => {
    standIn.misbehave("fail");
    try {
      const error = await rejection(restMetadata({ baseUrl: standIn.url }).noteOccurrences(qaNote, [webUri]));
      assert.equal(error.code, "UNAVAILABLE");
      assert.match(error.message, /answered HTTP 500: storage exploded/);
    } finally {
      standIn.misbehave("none");
    }
  });

  test("a 404 from something that is not a Grafeas server is UNAVAILABLE, not 'no attestations'", async () => {
    standIn.misbehave("not-grafeas");
    try {
      const error = await rejection(restMetadata({ baseUrl: standIn.url }).noteOccurrences(qaNote, [webUri]));
      assert.equal(error.code, "UNAVAILABLE");
      assert.match(error.message, /answered HTTP 404 without a Grafeas error body; is it a Grafeas server\?/);
    } finally {
      standIn.misbehave("none");
    }
  });

  test("a server that does not answer in time is DEADLINE_EXCEEDED", async () => {
    standIn.misbehave("stall");
    try {
      const error = await rejection(restMetadata({ baseUrl: standIn.url, timeoutMs: 200 }).noteOccurrences(qaNote, [webUri]));
      assert.equal(error.code, "DEADLINE_EXCEEDED");
    } finally {
      standIn.misbehave("none");
    }
  });

  test("a closed port is UNAVAILABLE naming the server", async () => {
    const error = await rejection(restMetadata({ baseUrl: "http://127.0.0.1:9" }).vulnerabilityOccurrences("kritis", [webUri]));
    assert.equal(error.code, "UNAVAILABLE");
    assert.match(error.message, /cannot reach the Grafeas server at http:\/\/127\.0\.0\.1:9/);
  });

  test("an https server is trusted through the given CA", async () => {
    const tls = TestTls.create();
    const secure = await startRestStandIn(world.service, { cert: tls.cert, key: tls.key });
    try {
      const found = await restMetadata({ baseUrl: secure.url, ca: tls.ca }).noteOccurrences(qaNote, [webUri]);
      assert.equal(found.length, 3);
      const untrusted = await rejection(restMetadata({ baseUrl: secure.url }).noteOccurrences(qaNote, [webUri]));
      assert.equal(untrusted.code, "UNAVAILABLE");
    } finally {
      await secure.close();
      tls.remove();
    }
  });
});

describe("fetching a request's metadata", () => {
  test("a source that does not answer fails its queries at the deadline instead of holding the request", async () => {
    standIn.misbehave("stall");
    try {
      const policies = policySet(authorityYaml("qa", "prod", qaNote, [{ pkix: qaKey }]), gapYaml("require-qa", "prod", ["qa"]));
      const plan = planAdmission(podInput(pod("web", "prod", [{ image: images.web }])), policies);
      const snapshot = await fetchMetadata(plan, restMetadata({ baseUrl: standIn.url, timeoutMs: 60_000 }), { timeoutMs: 200 });
      const [result] = [...snapshot.attestations.values()];
      assert.equal(result?.ok, false);
      assert.match(result.ok ? "" : result.detail, /did not answer within 200 ms|deadline/);
    } finally {
      standIn.misbehave("none");
    }
  });
});
