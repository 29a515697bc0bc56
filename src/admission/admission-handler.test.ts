import assert from "node:assert/strict";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { silentLogger } from "../logging/logger.js";
import type { RunningScribaServer } from "../server/scriba-server.js";
import { startScribaServer } from "../server/scriba-server.js";
import { createMemoryStore } from "../store/memory-store.js";
import { MetadataWorld, gapYaml, authorityYaml, ecKeyPair, images, pod, policySet } from "./__fixtures__/admission-world.js";
import { admissionRoute, createAdmissionHandler } from "./admission-handler.js";
import { admissionWarnings, clip } from "./admission-review.js";
import { grafeasServiceMetadata } from "./grafeas-service-metadata.js";
import { decorateMetadataSource } from "./metadata-source.js";
import type { AdmissionReviewer } from "./review-admission.js";

describe("warnings fit what the API server accepts", () => {
  test("a long warning is cut to 256 characters with an ellipsis", () => {
    const [warning] = admissionWarnings(["x".repeat(1000)]);
    assert.equal(Array.from(warning!).length, 256);
    assert.ok(warning!.endsWith("…"));
  });

  test("newlines and other control characters become spaces", () => {
    assert.equal(clip("a\nb\t\u0007c", 256), "a b c");
  });

  test("more than 16 warnings are folded into a count", () => {
    const warnings = admissionWarnings(Array.from({ length: 20 }, (_, i) => `warning ${i}`));
    assert.equal(warnings.length, 16);
    assert.equal(warnings[15], "… and 5 more warnings (see the admission webhook's log)");
  });
});

describe("the webhook mounted as a route of scriba serve", () => {
  let server: RunningScribaServer;
  let base: string;

  before(async () => {
    const key = ecKeyPair();
    server = await startScribaServer({
      listen: { host: "127.0.0.1", port: 0 },
      store: createMemoryStore(),
      logger: silentLogger,
      extraRoutes: (services) =>
        admissionRoute(
          createAdmissionHandler({
            policies: policySet(authorityYaml("qa", "prod", "projects/p/notes/qa", [{ pkix: key }]), gapYaml("require-qa", "prod", ["qa"])),
            metadata: grafeasServiceMetadata(services.grafeas),
          }),
        ),
    });
    base = `http://127.0.0.1:${server.address.port}`;
  });
  after(() => server.close());

  function post(path: string, body: unknown): Promise<{ status: number; json: { response?: { allowed: boolean; uid: string } } }> {
    return new Promise((resolve, reject) => {
      const req = request(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as { response?: { allowed: boolean; uid: string } } }));
      });
      req.on("error", reject);
      req.end(JSON.stringify(body));
    });
  }

  test("reviews arrive at /admission/validate beside the Grafeas API", async () => {
    const reply = await post("/admission/validate?timeout=10s", {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: { uid: "u-1", kind: { group: "", version: "v1", kind: "Pod" }, namespace: "prod", operation: "CREATE", object: pod("p", "prod", [{ image: images.payment }]) },
    });
    assert.equal(reply.status, 200);
    assert.deepEqual([reply.json.response?.uid, reply.json.response?.allowed], ["u-1", false]);
  });

  test("other paths still reach the Grafeas API", async () => {
    const reply = await post("/v1/projects/p/notes?noteId=qa", { attestation: { hint: { humanReadableName: "qa" } } });
    assert.equal(reply.status, 200);
  });
});

describe("a review whose client goes away", () => {
  test("is cancelled: the metadata call it waits on is aborted", { timeout: 10_000 }, async () => {
    const world = new MetadataWorld();
    let aborted: () => void = () => {};
    const abortedCall = new Promise<void>((resolve) => (aborted = resolve));
    let called: () => void = () => {};
    const calledOnce = new Promise<void>((resolve) => (called = resolve));
    const stalling = decorateMetadataSource(world.source, {
      noteOccurrences: (_note, _uris, options) =>
        new Promise((_, reject) => {
          called();
          options?.signal?.addEventListener("abort", () => {
            aborted();
            reject(new Error("aborted"));
          });
        }),
    });
    const key = ecKeyPair();
    const handler = createAdmissionHandler({
      policies: policySet(authorityYaml("qa", "prod", "projects/p/notes/qa", [{ pkix: key }]), gapYaml("require-qa", "prod", ["qa"])),
      metadata: stalling,
    });
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const req = request({ host: "127.0.0.1", port, path: "/validate?timeout=10s", method: "POST", headers: { "content-type": "application/json" } });
      req.on("error", () => undefined);
      req.end(
        JSON.stringify({
          apiVersion: "admission.k8s.io/v1",
          kind: "AdmissionReview",
          request: { uid: "u-1", kind: { group: "", version: "v1", kind: "Pod" }, namespace: "prod", operation: "CREATE", object: pod("p", "prod", [{ image: images.payment }]) },
        }),
      );
      await calledOnce;
      req.destroy();
      await abortedCall;
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await world.close();
    }
  });
});

describe("a reviewer that fails", () => {
  const body = JSON.stringify({
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: { uid: "u-fail", kind: { group: "", version: "v1", kind: "Pod" }, namespace: "prod", operation: "CREATE", object: pod("p", "prod", [{ image: images.payment }]) },
  });

  async function answerOf(review: AdmissionReviewer["review"]): Promise<{ status: number; body: { response: { uid: string; allowed: boolean } } }> {
    const world = new MetadataWorld();
    const policies = policySet(gapYaml("require-qa", "prod", ["qa"]));
    const handler = createAdmissionHandler({ policies, metadata: world.source, reviewer: { review, policies: () => policies } });
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      return await new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/validate", method: "POST", headers: { "content-type": "application/json" } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as { response: { uid: string; allowed: boolean } } }));
        });
        req.on("error", reject);
        req.end(body);
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await world.close();
    }
  }

  test("by throwing denies the request, with its uid", async () => {
    const answer = await answerOf(() => {
      throw new Error("reviewer broke");
    });
    assert.equal(answer.status, 200);
    assert.deepEqual([answer.body.response.uid, answer.body.response.allowed], ["u-fail", false]);
  });

  test("by rejecting denies the request, with its uid", async () => {
    const answer = await answerOf(() => Promise.reject(new Error("reviewer broke")));
    assert.equal(answer.status, 200);
    assert.deepEqual([answer.body.response.uid, answer.body.response.allowed], ["u-fail", false]);
  });
});
