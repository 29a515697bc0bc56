import assert from "node:assert/strict";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { GpgHome } from "../attest/__fixtures__/gpg-home.js";
import { silentLogger } from "../logging/logger.js";
import type { RunningScribaServer } from "../server/scriba-server.js";
import { startScribaServer } from "../server/scriba-server.js";
import { createMemoryStore } from "../store/memory-store.js";
import { authorityYaml, gapYaml, pod, podInput, policySet } from "./__fixtures__/admission-world.js";
import { restMetadata } from "./rest-metadata.js";
import { createAdmissionReviewer } from "./review-admission.js";

// The 2017 walkthrough, against `scriba serve`: the QA key signs the image digest, the
// attestation is uploaded through the v1alpha1 API, and the webhook engine (reading over
// REST) denies the pod before and admits it after.
const digest = "sha256:aba48d60ba4410ec921f9d2e8169236c57660d121f9430dc9758d754eec8f887";
const image = `gcr.io/hightowerlabs/payment@${digest}`;

let home: GpgHome;
let fingerprint: string;
let server: RunningScribaServer;
let base: string;

function send(method: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

before(async () => {
  home = GpgHome.create();
  fingerprint = home.generate("qa_bob@example.com");
  server = await startScribaServer({ listen: { host: "127.0.0.1", port: 0 }, store: createMemoryStore(), logger: silentLogger });
  base = `http://127.0.0.1:${server.address.port}`;
});
after(async () => {
  await server.close();
  home.remove();
});

describe("the seed walkthrough through scriba serve and the admission engine", () => {
  test("the pod is denied with the seed's message until QA's signature is uploaded, then admitted", async () => {
    const note = await send("POST", "/v1alpha1/projects/image-signing/notes?noteId=qa", {
      name: "projects/image-signing/notes/qa",
      shortDescription: "Image signing note",
      longDescription: "Image signing note for QA",
      attestationAuthority: { hint: { humanReadableName: "qa" } },
    });
    assert.equal(note.status, 200, note.text);

    const reviewer = createAdmissionReviewer({
      policies: policySet(
        authorityYaml("qa", "default", "projects/image-signing/notes/qa", [{ pgp: home.exportPublic(fingerprint) }]),
        gapYaml("require-qa", "default", ["qa"]),
      ),
      metadata: restMetadata({ baseUrl: base }),
    });
    const payment = podInput(pod("payment", "default", [{ image }]));

    const before = await reviewer.review(payment);
    assert.equal(before.decision.allowed, false);
    assert.ok(before.message.includes(`No matched signatures for container image: ${image}`), before.message);

    const signature = home.sign(fingerprint, ["--armor", "--clearsign"], `${digest}\n`);
    const occurrence = await send("POST", "/v1alpha1/projects/image-signing/occurrences", {
      resourceUrl: `https://${image}`,
      noteName: "projects/image-signing/notes/qa",
      attestation: {
        pgpSignedAttestation: {
          signature: signature.toString("base64"),
          contentType: "application/vnd.gcr.image.url.v1",
          pgpKeyId: fingerprint.slice(-8),
        },
      },
    });
    assert.equal(occurrence.status, 200, occurrence.text);

    const after = await reviewer.review(payment);
    assert.equal(after.decision.allowed, true, after.message);
  });
});
