import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createPrivateKey } from "node:crypto";
import { SignJWT } from "jose";
import { inTotoPayloadType, inTotoStatementPayload, niKeyId, signDsseEnvelope, simpleSigningPayload } from "../attest/index.js";
import { GpgHome } from "../attest/__fixtures__/gpg-home.js";
import { parseImageReference } from "../image/image-reference.js";
import {
  MetadataWorld,
  authorityYaml,
  ecKeyPair,
  evaluateWith,
  gapYaml,
  images,
  pod,
  podInput,
  podSpec,
  policySet,
} from "./__fixtures__/admission-world.js";

const ns = "prod";
const qaNote = "projects/image-signing/notes/qa";
const securityNote = "projects/image-signing/notes/security";
const qaKey = ecKeyPair();
const securityKey = ecKeyPair();
const strangerKey = ecKeyPair();

const qaAuthority = authorityYaml("qa", ns, qaNote, [{ pkix: qaKey }]);
const securityAuthority = authorityYaml("security", ns, securityNote, [{ pkix: securityKey }]);
const requireQa = policySet(qaAuthority, gapYaml("require-qa", ns, ["qa"]));

let world: MetadataWorld;
before(() => {
  world = new MetadataWorld();
});
after(() => world.close());

async function freshWorld(): Promise<MetadataWorld> {
  await world.close();
  world = new MetadataWorld();
  return world;
}

describe("GenericAttestationPolicy: attested images pass", () => {
  test("a pod whose image carries a PKIX attestation by the required authority is admitted", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, qaKey, images.web);
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), requireQa, world.source);
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.images.map((i) => i.verdict), ["allowed"]);
  });

  test("an attestation stored without the https:// prefix (as the 2017 tutorial did) still counts", async () => {
    await freshWorld();
    const payload = simpleSigningPayload(parseImageReference(images.web));
    const { signWithPrivateKey } = await import("../attest/index.js");
    const signed = signWithPrivateKey(qaKey.privatePem, payload);
    await world.note(qaNote);
    await world.occurrence("attestations", {
      resourceUri: images.web,
      noteName: qaNote,
      attestation: {
        serializedPayload: Buffer.from(payload).toString("base64"),
        signatures: [{ signature: Buffer.from(signed.signature).toString("base64"), publicKeyId: signed.keyId }],
      },
    });
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), requireQa, world.source);
    assert.equal(decision.allowed, true);
  });

  test("a Docker Hub short name matches an attestation made for the normalised name", async () => {
    await freshWorld();
    const digest = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
    await world.pkixAttestation(qaNote, qaKey, `docker.io/library/nginx@${digest}`);
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: `nginx@${digest}` }])), requireQa, world.source);
    assert.equal(decision.allowed, true);
  });
});

describe("GenericAttestationPolicy: denials name the object, the container path, the image and the reason", () => {
  test("an unattested image is denied with the seed's message", async () => {
    await freshWorld();
    const { decision, message } = await evaluateWith(
      podInput(pod("payment", ns, [{ image: images.payment, name: "app" }])),
      requireQa,
      world.source,
    );
    assert.equal(decision.allowed, false);
    assert.match(message, /^Pod prod\/payment is denied:/);
    assert.ok(message.includes(`No matched signatures for container image: ${images.payment}`), message);
    assert.ok(message.includes('spec.containers[0].image (container "app")'), message);
    assert.ok(message.includes('missing: "qa"'), message);
  });

  test("an unattested init container is denied at its own path", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, qaKey, images.web);
    const object = pod("web", ns, [{ image: images.web }], {
      spec: { initContainers: [{ name: "setup", image: images.sidecar }] },
    });
    const { decision, message } = await evaluateWith(podInput(object), requireQa, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes(`spec.initContainers[0].image (container "setup"), image ${images.sidecar}`), message);
    assert.ok(!message.includes("spec.containers[0]"), message);
  });

  test("an ephemeral container added by kubectl debug is reviewed and denied", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, qaKey, images.web);
    const before = pod("web", ns, [{ image: images.web }]);
    const after = pod("web", ns, [{ image: images.web }], {
      spec: { ephemeralContainers: [{ name: "debugger", image: "busybox:1.36" }] },
    });
    const { decision, message } = await evaluateWith(
      podInput(after, { operation: "UPDATE", subResource: "ephemeralcontainers", oldObject: before }),
      requireQa,
      world.source,
    );
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("spec.ephemeralContainers[0].image"), message);
    assert.ok(message.includes("busybox:1.36 is not pinned by digest"), message);
  });

  const workloads: [string, string, string, (spec: Record<string, unknown>) => Record<string, unknown>][] = [
    ["apps", "Deployment", "spec.template.spec", (spec) => ({ spec: { template: { spec } } })],
    ["apps", "ReplicaSet", "spec.template.spec", (spec) => ({ spec: { template: { spec } } })],
    ["apps", "StatefulSet", "spec.template.spec", (spec) => ({ spec: { template: { spec } } })],
    ["apps", "DaemonSet", "spec.template.spec", (spec) => ({ spec: { template: { spec } } })],
    ["batch", "Job", "spec.template.spec", (spec) => ({ spec: { template: { spec } } })],
    ["batch", "CronJob", "spec.jobTemplate.spec.template.spec", (spec) => ({ spec: { jobTemplate: { spec: { template: { spec } } } } })],
    ["", "ReplicationController", "spec.template.spec", (spec) => ({ spec: { template: { spec } } })],
  ];
  for (const [group, kind, podSpecPath, wrap] of workloads) {
    test(`a ${kind} with an unattested image is denied at ${podSpecPath}.containers[0].image`, async () => {
      await freshWorld();
      const object = {
        apiVersion: group === "" ? "v1" : `${group}/v1`,
        kind,
        metadata: { name: "app", namespace: ns },
        ...wrap(podSpec([{ image: images.payment, name: "app" }])),
      };
      const { decision, message } = await evaluateWith(
        { operation: "CREATE", kind: { group, kind }, namespace: ns, object },
        requireQa,
        world.source,
      );
      assert.equal(decision.allowed, false);
      assert.ok(message.startsWith(`${kind} prod/app is denied:`), message);
      assert.ok(message.includes(`${podSpecPath}.containers[0].image`), message);
      assert.ok(message.includes(`No matched signatures for container image: ${images.payment}`), message);
    });
  }

  test("a tag-only image is denied with advice on pinning its digest", async () => {
    await freshWorld();
    const { decision, message } = await evaluateWith(podInput(pod("web", ns, [{ image: "gcr.io/acme/web:1.2" }])), requireQa, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("gcr.io/acme/web:1.2 is not pinned by digest; use gcr.io/acme/web@sha256:…"), message);
  });

  test("a tag-only image matching admissionAllowlistPatterns is admitted", async () => {
    await freshWorld();
    const policies = policySet(qaAuthority, gapYaml("require-qa", ns, ["qa"], { allowlist: ["gcr.io/acme/tools/*"] }));
    const { decision } = await evaluateWith(podInput(pod("t", ns, [{ image: "gcr.io/acme/tools/kubectl:1.30" }])), policies, world.source);
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.images[0]?.allowedBy, { kind: "policy-allowlist", policy: "require-qa", pattern: "gcr.io/acme/tools/*" });
  });
});

describe("GenericAttestationPolicy: only a verified attestation bound to this image counts", () => {
  test("a valid signature over another digest is rejected as DIGEST_MISMATCH, and the message says so", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, qaKey, images.webOtherDigest, { resourceImage: images.web });
    const { decision, message } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), requireQa, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes('an attestation by "qa" was rejected (DIGEST_MISMATCH'), message);
    assert.ok(message.includes(`signed for ${images.webOtherDigest.split("@")[1]}`), message);
  });

  test("a valid signature over the same digest in another repository is rejected as REPOSITORY_MISMATCH", async () => {
    await freshWorld();
    const digest = images.web.split("@")[1]!;
    await world.pkixAttestation(qaNote, qaKey, `gcr.io/evil/web@${digest}`, { resourceImage: images.web });
    const { decision, message } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), requireQa, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("(REPOSITORY_MISMATCH"), message);
  });

  test("a signature by a key the authority does not list is rejected as KEY_UNKNOWN", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, strangerKey, images.web);
    const { decision, message } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), requireQa, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("(KEY_UNKNOWN"), message);
  });

  test("a signature by another key that claims the authority's key id is rejected as SIGNATURE_INVALID", async () => {
    await freshWorld();
    const policies = policySet(
      authorityYaml("qa", ns, qaNote, [{ pkix: qaKey, keyId: "https://keys.example/qa" }]),
      gapYaml("require-qa", ns, ["qa"]),
    );
    await world.pkixAttestation(qaNote, strangerKey, images.web, { keyId: "https://keys.example/qa" });
    const { decision, message } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), policies, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("(SIGNATURE_INVALID"), message);
  });

  test("an attestation on another authority's note does not count for this one", async () => {
    await freshWorld();
    await world.pkixAttestation(securityNote, qaKey, images.web);
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), requireQa, world.source);
    assert.equal(decision.allowed, false);
  });

  test("with rotated keys listed, an attestation by the old key verifies", async () => {
    await freshWorld();
    const newKey = ecKeyPair();
    const policies = policySet(authorityYaml("qa", ns, qaNote, [{ pkix: qaKey }, { pkix: newKey }]), gapYaml("require-qa", ns, ["qa"]));
    await world.pkixAttestation(qaNote, qaKey, images.web);
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), policies, world.source);
    assert.equal(decision.allowed, true);
  });

  test("with rotated keys listed, an attestation by the new key verifies", async () => {
    await freshWorld();
    const newKey = ecKeyPair("P-384");
    const policies = policySet(
      authorityYaml("qa", ns, qaNote, [{ pkix: qaKey }, { pkix: newKey, algorithm: "ECDSA_P384_SHA384" }]),
      gapYaml("require-qa", ns, ["qa"]),
    );
    await world.pkixAttestation(qaNote, newKey, images.web);
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), policies, world.source);
    assert.equal(decision.allowed, true);
  });
});

describe("GenericAttestationPolicy: PGP authorities verify with real gpg signatures", () => {
  let home: GpgHome;
  let fingerprint: string;
  let policies: ReturnType<typeof policySet>;

  before(() => {
    home = GpgHome.create();
    fingerprint = home.generate("qa_bob@example.com", "ed25519", "sign");
    policies = policySet(authorityYaml("qa", ns, qaNote, [{ pgp: home.exportPublic(fingerprint) }]), gapYaml("require-qa", ns, ["qa"]));
  });
  after(() => home.remove());

  test("a detached armored gpg signature over the simple-signing payload admits the image", async () => {
    await freshWorld();
    const payload = simpleSigningPayload(parseImageReference(images.payment));
    const signature = home.sign(fingerprint, ["--detach-sign", "--armor"], payload);
    await world.attestation(qaNote, `https://${images.payment}`, payload, signature, fingerprint);
    const { decision } = await evaluateWith(podInput(pod("payment", ns, [{ image: images.payment }])), policies, world.source);
    assert.equal(decision.allowed, true);
  });

  test("the seed's clearsigned digest text, stored as a v1 attestation, admits the image it names", async () => {
    await freshWorld();
    const digestText = `${images.payment.split("@")[1]}\n`;
    const signature = home.sign(fingerprint, ["--clearsign"], digestText);
    await world.attestation(qaNote, `https://${images.payment}`, Buffer.from(digestText.trimEnd()), signature, fingerprint);
    const { decision } = await evaluateWith(podInput(pod("payment", ns, [{ image: images.payment }])), policies, world.source);
    assert.equal(decision.allowed, true);
  });

  test("a gpg signature over another image's payload is rejected with DIGEST_MISMATCH", async () => {
    await freshWorld();
    const payload = simpleSigningPayload(parseImageReference(images.webOtherDigest));
    const signature = home.sign(fingerprint, ["--detach-sign", "--armor"], payload);
    await world.attestation(qaNote, `https://${images.web}`, payload, signature, fingerprint);
    const { decision, message } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), policies, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("(DIGEST_MISMATCH"), message);
  });
});

describe("GenericAttestationPolicy: ALL authorities of a policy, ANY policy of a namespace", () => {
  const twoAuthorities = policySet(qaAuthority, securityAuthority, gapYaml("qa-and-security", ns, ["qa", "security"]));
  const alternatives = policySet(qaAuthority, securityAuthority, gapYaml("by-qa", ns, ["qa"]), gapYaml("by-security", ns, ["security"]));

  test("a policy naming two authorities denies an image only one of them attested, naming the missing one", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, qaKey, images.web);
    const { decision, message } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), twoAuthorities, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes('requires attestations by "qa", "security"; missing: "security"'), message);
  });

  test("a policy naming two authorities admits an image both attested", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, qaKey, images.web);
    await world.pkixAttestation(securityNote, securityKey, images.web);
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), twoAuthorities, world.source);
    assert.equal(decision.allowed, true);
  });

  test("two policies are alternatives: satisfying one admits", async () => {
    await freshWorld();
    await world.pkixAttestation(securityNote, securityKey, images.web);
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), alternatives, world.source);
    assert.equal(decision.allowed, true);
  });

  test("two policies are alternatives: satisfying none denies, and both are reported", async () => {
    await freshWorld();
    const { decision, message } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), alternatives, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("GenericAttestationPolicy by-qa"), message);
    assert.ok(message.includes("GenericAttestationPolicy by-security"), message);
  });

  test("every image of a pod must pass: one unattested container denies the pod and only it is named", async () => {
    await freshWorld();
    await world.pkixAttestation(qaNote, qaKey, images.web);
    const { decision, message } = await evaluateWith(
      podInput(pod("web", ns, [{ image: images.web }, { image: images.sidecar }])),
      requireQa,
      world.source,
    );
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.images.map((i) => i.verdict), ["allowed", "denied"]);
    assert.ok(message.includes("spec.containers[1].image"), message);
    assert.ok(!message.includes("spec.containers[0].image"), message);
  });
});

describe("GenericAttestationPolicy: DSSE envelopes and JWTs verify too", () => {
  test("a DSSE attestation (in-toto statement naming the image) by the authority's key admits the image", async () => {
    await freshWorld();
    const statement = inTotoStatementPayload(parseImageReference(images.web), { predicateType: "https://slsa.dev/provenance/v1" });
    const envelope = signDsseEnvelope(statement, inTotoPayloadType, qaKey.privatePem);
    await world.note(qaNote);
    await world.occurrence("attestations", {
      resourceUri: `https://${images.web}`,
      noteName: qaNote,
      dsseAttestation: {
        envelope: {
          payload: Buffer.from(envelope.payload).toString("base64"),
          payloadType: envelope.payloadType,
          signatures: envelope.signatures.map((s) => ({ sig: Buffer.from(s.sig).toString("base64"), keyid: s.keyid })),
        },
      },
    });
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), requireQa, world.source);
    assert.equal(decision.allowed, true);
  });

  test("a JWT attestation whose subject is the image, signed by the authority's key, admits it", async () => {
    await freshWorld();
    const { createPublicKey } = await import("node:crypto");
    const privateKey = createPrivateKey(qaKey.privatePem);
    const kid = niKeyId(createPublicKey(privateKey).export({ type: "spki", format: "der" }));
    const token = await new SignJWT({ sub: images.web }).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);
    await world.note(qaNote);
    await world.occurrence("attestations", {
      resourceUri: `https://${images.web}`,
      noteName: qaNote,
      attestation: { jwts: [{ compactJwt: token }] },
    });
    const { decision } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), requireQa, world.source);
    assert.equal(decision.allowed, true);
  });

  test("a JWT about another image is rejected with the reason", async () => {
    await freshWorld();
    const privateKey = createPrivateKey(qaKey.privatePem);
    const token = await new SignJWT({ sub: images.webOtherDigest }).setProtectedHeader({ alg: "ES256" }).sign(privateKey);
    await world.note(qaNote);
    await world.occurrence("attestations", {
      resourceUri: `https://${images.web}`,
      noteName: qaNote,
      attestation: { jwts: [{ compactJwt: token }] },
    });
    const { decision, message } = await evaluateWith(podInput(pod("web", ns, [{ image: images.web }])), requireQa, world.source);
    assert.equal(decision.allowed, false);
    assert.ok(message.includes("(DIGEST_MISMATCH"), message);
  });
});
