/**
 * Attest-on-pass with the signing key of an ImageSecurityPolicy's
 * `privateKeySecretName`, read through the Kubernetes API from the FAKE API
 * server of test/support: a loopback test double of the API protocol (there
 * is no kube-apiserver here, nor its RBAC), serving the Secrets by GET. Keys
 * are made by real gpg in a throw-away home, and by node:crypto.
 */
import assert from "node:assert/strict";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { KubeConfig } from "@kubernetes/client-node";
import { FakeKubeApiServer } from "../../test/support/fake-kube-apiserver.js";
import { GpgHome } from "../attest/__fixtures__/gpg-home.js";
import { createTrustedKeys, verifyAttestationOccurrence } from "../attest/index.js";
import { parseImageReference } from "../image/image-reference.js";
import { secretResource } from "../kube/kritis-resources.js";
import { SecretClient } from "../kube/secret-client.js";
import { createLogger } from "../logging/logger.js";
import {
  MetadataWorld,
  type PkixKeyPair,
  authorityYaml,
  ecKeyPair,
  images,
  ispYaml,
  pod,
  podInput,
  policySet,
} from "./__fixtures__/admission-world.js";
import { loadAttestorKeys, parseAttestorKeySpec } from "./attestor-keys.js";
import { createAdmissionReviewer } from "./review-admission.js";
import { SigningSecrets } from "./signing-secrets.js";

const ns = "prod";
const note = "projects/vulnz-checked/notes/checked";
const secretName = "vulnz-checked-key";
const secretPath = `/api/v1/namespaces/${ns}/secrets/${secretName}`;

let home: GpgHome;
let fake: FakeKubeApiServer;
let kubeConfig: KubeConfig;
let world: MetadataWorld;
let dir: string;
const fpr: Record<string, string> = {};
let pemKey: PkixKeyPair;

before(async () => {
  home = GpgHome.create();
  fpr["checker"] = home.generate("checker@example.com", "ed25519", "sign");
  fpr["rotated"] = home.generate("rotated@example.com", "ed25519", "sign");
  fpr["locked"] = home.generateProtected("locked@example.com", "s3cret phrase", "ed25519");
  fpr["stranger"] = home.generate("stranger@example.com", "ed25519", "sign");
  pemKey = ecKeyPair();
  fake = await FakeKubeApiServer.start({ resources: [secretResource] });
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(fake.kubeconfigYaml());
  dir = mkdtempSync(join(tmpdir(), "scriba-attestor-secret-"));
  world = new MetadataWorld();
});
after(async () => {
  await world.close();
  await fake.close();
  home.remove();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await world.close();
  world = new MetadataWorld();
  fake.delete({ apiVersion: "v1", kind: "Secret", namespace: ns, name: secretName });
  fake.setRefusal(undefined);
});

const webPod = () => podInput(pod("web", ns, [{ image: images.web, name: "app" }]));
const sidecarPod = () => podInput(pod("sidecar", ns, [{ image: images.sidecar, name: "app" }]));

/** The Secret as `kubectl create secret generic NAME --from-file=private=… --from-file=public=…` makes it. */
function putSecret(data: Record<string, string>): void {
  fake.apply({
    apiVersion: "v1",
    kind: "Secret",
    type: "Opaque",
    metadata: { name: secretName, namespace: ns },
    data: Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString("base64")])),
  });
}

const pgpSecret = (name: string) => ({ private: home.exportSecret(fpr[name]!), public: home.exportPublic(fpr[name]!) });

function policies(keys: readonly ({ pgp: string } | { pkix: PkixKeyPair })[]) {
  return policySet(
    authorityYaml("vulnz-checked", ns, note, keys),
    ispYaml("strict", ns, { maximumSeverity: "MEDIUM", attestationAuthorityName: "vulnz-checked", privateKeySecretName: secretName }),
  );
}

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines, text: () => lines.map((l) => JSON.stringify(l)).join("\n") };
}

function reviewer(
  keys: readonly ({ pgp: string } | { pkix: PkixKeyPair })[],
  options: { logger?: ReturnType<typeof createLogger>; clock?: () => number; attestorKeys?: Awaited<ReturnType<typeof loadAttestorKeys>> } = {},
) {
  const signingSecrets = new SigningSecrets(new SecretClient(kubeConfig), { ttlMs: 60_000, logger: options.logger, clock: options.clock });
  return createAdmissionReviewer({ policies: policies(keys), metadata: world.source, signingSecrets, attestorKeys: options.attestorKeys, logger: options.logger });
}

interface StoredAttestation {
  readonly attestation: { readonly serializedPayload: string; readonly signatures: readonly { signature: string; publicKeyId: string }[] };
}

async function storedFor(image: string): Promise<StoredAttestation[]> {
  return (await world.source.noteOccurrences(note, [`https://${image}`])) as StoredAttestation[];
}

async function verifiesWith(stored: StoredAttestation, image: string, armoredPublicKey: string) {
  const keys = await createTrustedKeys([{ kind: "pgp", armoredPublicKey }]);
  const attestation = stored.attestation;
  return verifyAttestationOccurrence(
    {
      serializedPayload: Buffer.from(attestation.serializedPayload, "base64"),
      signatures: attestation.signatures.map((s) => ({ signature: Buffer.from(s.signature, "base64"), publicKeyId: s.publicKeyId })),
      jwts: [],
    },
    parseImageReference(image),
    keys,
  );
}

describe("attest-on-pass with the key of the policy's privateKeySecretName", () => {
  test("a PGP Secret in Kritis' format signs an attestation that verifies with the authority's PGP key", async () => {
    putSecret(pgpSecret("checker"));
    const outcome = await reviewer([{ pgp: home.exportPublic(fpr["checker"]!) }]).review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.equal(outcome.attestations[0]?.outcome, "created", outcome.attestations[0]?.detail);
    const stored = await storedFor(images.web);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.attestation.signatures[0]?.publicKeyId, `openpgp4fpr:${fpr["checker"]}`);
    const check = await verifiesWith(stored[0]!, images.web, home.exportPublic(fpr["checker"]!));
    assert.equal(check.verified, true, JSON.stringify(check.failure));
  });

  test("the attestation it stored is later accepted as a cached pass, despite a new finding", async () => {
    putSecret(pgpSecret("checker"));
    const review = reviewer([{ pgp: home.exportPublic(fpr["checker"]!) }]);
    await review.review(webPod());
    await world.vulnerability(images.web, "CVE-2024-9999", "CRITICAL");
    const outcome = await review.review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.deepEqual(outcome.attestations, []);
  });

  test("the Secret is read by GET of that one Secret only, never listed or watched", async () => {
    putSecret(pgpSecret("checker"));
    const before = fake.requests.length;
    await reviewer([{ pgp: home.exportPublic(fpr["checker"]!) }]).review(webPod());
    const secretRequests = fake.requests.slice(before).filter((r) => r.path.includes("/secrets"));
    assert.deepEqual(
      secretRequests.map((r) => `${r.method} ${r.path} watch=${r.watch}`),
      [`GET ${secretPath} watch=false`],
    );
  });

  test("a passphrase-protected PGP key is decrypted with the Secret's passphrase", async () => {
    putSecret({
      private: home.exportSecret(fpr["locked"]!, "s3cret phrase"),
      public: home.exportPublic(fpr["locked"]!),
      // As `--from-file=passphrase=FILE` stores a file written by `echo`.
      passphrase: "s3cret phrase\n",
    });
    const capture = logCapture();
    const outcome = await reviewer([{ pgp: home.exportPublic(fpr["locked"]!) }], { logger: capture.logger }).review(webPod());
    assert.equal(outcome.attestations[0]?.outcome, "created", outcome.attestations[0]?.detail);
    assert.ok(!capture.text().includes("s3cret"), "the passphrase is never logged");
    assert.ok(!capture.text().includes("PRIVATE KEY"), "the key is never logged");
  });

  test("a PEM private key in the Secret signs a PKIX attestation for the authority's PKIX key", async () => {
    putSecret({ private: pemKey.privatePem, public: pemKey.publicPem });
    const outcome = await reviewer([{ pkix: pemKey }]).review(webPod());
    assert.equal(outcome.attestations[0]?.outcome, "created", outcome.attestations[0]?.detail);
    assert.match((await storedFor(images.web))[0]?.attestation.signatures[0]?.publicKeyId ?? "", /^ni:\/\/\/sha-256;/);
  });

  test("an encrypted PEM key is decrypted with the Secret's passphrase", async () => {
    const encrypted = createPrivateKey(pemKey.privatePem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pem phrase" }).toString();
    putSecret({ private: encrypted, passphrase: "pem phrase" });
    const outcome = await reviewer([{ pkix: pemKey }]).review(webPod());
    assert.equal(outcome.attestations[0]?.outcome, "created", outcome.attestations[0]?.detail);
  });

  test("a key that is not one of the authority's keys stores nothing, admits, and is logged as an error once", async () => {
    putSecret(pgpSecret("stranger"));
    const capture = logCapture();
    const review = reviewer([{ pgp: home.exportPublic(fpr["checker"]!) }], { logger: capture.logger });
    const first = await review.review(webPod());
    const second = await review.review(webPod());
    for (const outcome of [first, second]) {
      assert.equal(outcome.decision.allowed, true);
      assert.equal(outcome.attestations[0]?.outcome, "skipped");
      assert.match(outcome.attestations[0]?.detail ?? "", /is not one of the PGP publicKeys of prod\/vulnz-checked/);
    }
    assert.deepEqual(await storedFor(images.web), []);
    const errors = capture.lines.filter((l) => l["level"] === "error" && String(l["msg"]).startsWith("attest-on-pass cannot sign"));
    assert.equal(errors.length, 1, capture.text());
    assert.match(String(errors[0]!["detail"]), new RegExp(fpr["stranger"]!));
  });

  test("a missing Secret admits, stores nothing, and is logged once while it stays missing", async () => {
    const capture = logCapture();
    let now = 0;
    const review = reviewer([{ pgp: home.exportPublic(fpr["checker"]!) }], { logger: capture.logger, clock: () => now });
    const first = await review.review(webPod());
    now += 120_000;
    const second = await review.review(webPod());
    for (const outcome of [first, second]) {
      assert.equal(outcome.decision.allowed, true);
      assert.equal(outcome.attestations[0]?.outcome, "skipped");
      assert.match(outcome.attestations[0]?.detail ?? "", new RegExp(`Secret ${ns}/${secretName} does not exist`));
    }
    const unavailable = capture.lines.filter((l) => String(l["msg"]).startsWith("attest-on-pass signing key unavailable"));
    assert.equal(unavailable.length, 1, capture.text());
    assert.deepEqual(await storedFor(images.web), []);
  });

  test("a Secret the webhook may not read admits, and the log names the permission", async () => {
    putSecret(pgpSecret("checker"));
    fake.setRefusal({ matches: (r) => r.path === secretPath, code: 403 });
    const capture = logCapture();
    const outcome = await reviewer([{ pgp: home.exportPublic(fpr["checker"]!) }], { logger: capture.logger }).review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.equal(outcome.attestations[0]?.outcome, "skipped");
    assert.match(capture.text(), /may not be read.*may this identity get secrets\?/);
  });

  test("--attestor-key wins over the Secret, which is then not read at all", async () => {
    putSecret(pgpSecret("checker"));
    const flagKey = ecKeyPair();
    writeFileSync(join(dir, "flag.pem"), flagKey.privatePem);
    const attestorKeys = await loadAttestorKeys([parseAttestorKeySpec(`vulnz-checked=${join(dir, "flag.pem")}`)]);
    const before = fake.requests.length;
    const outcome = await reviewer([{ pgp: home.exportPublic(fpr["checker"]!) }, { pkix: flagKey }], { attestorKeys }).review(webPod());
    assert.equal(outcome.attestations[0]?.outcome, "created", outcome.attestations[0]?.detail);
    assert.match((await storedFor(images.web))[0]?.attestation.signatures[0]?.publicKeyId ?? "", /^ni:\/\/\/sha-256;/);
    assert.equal(fake.requests.slice(before).filter((r) => r.path.includes("/secrets")).length, 0);
  });

  test("a rotated Secret is used once the TTL has passed, and not before", async () => {
    putSecret(pgpSecret("checker"));
    let now = 0;
    const capture = logCapture();
    const review = reviewer(
      [{ pgp: home.exportPublic(fpr["checker"]!) }, { pgp: home.exportPublic(fpr["rotated"]!) }],
      { clock: () => now, logger: capture.logger },
    );
    await review.review(webPod());
    putSecret(pgpSecret("rotated"));
    now += 30_000;
    await review.review(sidecarPod());
    now += 60_000;
    await review.review(podInput(pod("other", ns, [{ image: images.webOtherDigest, name: "app" }])));
    const keyOf = async (image: string) => (await storedFor(image))[0]?.attestation.signatures[0]?.publicKeyId;
    assert.equal(await keyOf(images.web), `openpgp4fpr:${fpr["checker"]}`);
    assert.equal(await keyOf(images.sidecar), `openpgp4fpr:${fpr["checker"]}`, "within the TTL the cached key signs");
    assert.equal(await keyOf(images.webOtherDigest), `openpgp4fpr:${fpr["rotated"]}`, "after the TTL the rotated key signs");
    const reads = capture.lines.filter((l) => l["msg"] === "attest-on-pass signing key read from a Kubernetes Secret");
    assert.deepEqual(reads.map((l) => l["key"]), [`PGP key ${fpr["checker"]}`, `PGP key ${fpr["rotated"]}`]);
  });

  test("a Secret whose public key is not the private key's public half is refused", async () => {
    putSecret({ private: home.exportSecret(fpr["checker"]!), public: home.exportPublic(fpr["stranger"]!) });
    const outcome = await reviewer([{ pgp: home.exportPublic(fpr["checker"]!) }]).review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.match(outcome.attestations[0]?.detail ?? "", /"public" is not the public half of "private"/);
    assert.deepEqual(await storedFor(images.web), []);
  });

  test("without the Kubernetes API the policy's Secret is reported as unavailable, and the image admitted", async () => {
    const outcome = await createAdmissionReviewer({ policies: policies([{ pgp: home.exportPublic(fpr["checker"]!) }]), metadata: world.source }).review(webPod());
    assert.equal(outcome.decision.allowed, true);
    assert.match(outcome.attestations[0]?.detail ?? "", /with --policy-source kubernetes only/);
  });
});
