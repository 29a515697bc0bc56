/**
 * `scriba verify` against a real Scriba server on loopback: what it reports
 * for good, foreign, tampered and misdirected signatures, and how it reads
 * key files.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { GpgHome } from "../../attest/__fixtures__/gpg-home.js";
import { GrafeasRestClient } from "../../client/grafeas-rest-client.js";
import { type Occurrence, OccurrenceSchema } from "../../gen/grafeas/v1/grafeas_pb.js";
import { CliServer, digestOf, unusedLoopbackUrl } from "../__fixtures__/cli-server.js";

const note = "projects/authority/notes/qa";
/** Signed once with the trusted gpg key and once with the trusted PEM key, before the tests. */
const goodImage = `gcr.io/hightowerlabs/payment@${digestOf("1")}`;
const pemSignedImage = `gcr.io/acme/app@${digestOf("2")}`;

let cli: CliServer;
let client: GrafeasRestClient;
let gpg: GpgHome;
let gpgEnv: NodeJS.ProcessEnv;
let trustedFingerprint: string;
let trustedPgp: string;
let otherPgp: string;
let trustedPem: { private: string; public: string };
let otherPem: { private: string; public: string };

function pemPair(name: string): { private: string; public: string } {
  const pair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    private: cli.file(`${name}.pem`, pair.privateKey.export({ type: "pkcs8", format: "pem" })),
    public: cli.file(`${name}.pub.pem`, pair.publicKey.export({ type: "spki", format: "pem" })),
  };
}

async function sign(image: string, ...keyArgs: string[]): Promise<Occurrence> {
  const run = await cli.run(["sign", "--image", image, "--note", note, ...keyArgs], gpgEnv);
  assert.equal(run.code, 0, run.stderr);
  const occurrences = await client.listAllNoteOccurrences(note, { filter: `resourceUri="https://${image}"` });
  assert.equal(occurrences.length, 1);
  return occurrences[0]!;
}

/** Stores a copy of a signed occurrence under another resource URI (what a confused or malicious uploader could do). */
async function copyTo(occurrence: Occurrence, image: string): Promise<void> {
  const copy = create(OccurrenceSchema, { ...occurrence, name: "", resourceUri: `https://${image}` });
  await client.createOccurrence("projects/authority", copy);
}

async function verify(image: string, ...extra: string[]) {
  return cli.run(["verify", "--image", image, "--note", note, ...extra]);
}

before(async () => {
  cli = await CliServer.start();
  client = new GrafeasRestClient({ baseUrl: cli.url });
  gpg = GpgHome.create();
  gpgEnv = { GNUPGHOME: gpg.dir };
  trustedFingerprint = gpg.generate("qa_bob@example.com");
  const other = gpg.generate("mallory@example.com", "ed25519", "sign");
  trustedPgp = cli.file("qa_bob.asc", gpg.exportPublic(trustedFingerprint));
  otherPgp = cli.file("mallory.asc", gpg.exportPublic(other));
  trustedPem = pemPair("trusted");
  otherPem = pemPair("other");
  const noteFile = cli.file("qa.json", JSON.stringify({ attestation: { hint: { humanReadableName: "qa" } } }));
  assert.equal((await cli.run(["note", "create", note, "-f", noteFile])).code, 0);
  await sign(goodImage, "--gpg-key", "qa_bob@example.com");
  await sign(pemSignedImage, "--key", trustedPem.private);
});

after(async () => {
  await cli.stop();
  gpg.remove();
});

describe("scriba verify reports", () => {
  test("a good signature as verified, with key, format and payload kind, and exits 0", async () => {
    const run = await verify(goodImage, "--key", trustedPgp);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /1 attestation occurrence, 1 verified/);
    assert.match(run.stdout, new RegExp(`signatures\\[0\\]: verified with key ${trustedFingerprint} \\(pgp-attached, pgp-sha\\d+, payload simple-signing\\)`));
  });

  test("the same as JSON, one entry per occurrence and per signature", async () => {
    const run = await verify(goodImage, "--key", trustedPgp, "-o", "json");
    assert.equal(run.code, 0);
    const report = JSON.parse(run.stdout);
    assert.equal(report.image, goodImage);
    assert.equal(report.note, note);
    assert.equal(report.verified, true);
    assert.equal(report.occurrences.length, 1);
    assert.match(report.occurrences[0].name, /^projects\/authority\/occurrences\//);
    assert.deepEqual(
      { ...report.occurrences[0].signatures[0], algorithm: undefined },
      { source: "signatures[0]", verified: true, format: "pgp-attached", keyId: trustedFingerprint, signer: trustedFingerprint, algorithm: undefined, payloadKind: "simple-signing" },
    );
  });

  test("a signature by a key not given as KEY_UNKNOWN, and exits 1", async () => {
    const run = await verify(pemSignedImage, "--key", otherPem.public, "--key", otherPgp);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /NOT verified/);
    assert.match(run.stdout, /signatures\[0\]: KEY_UNKNOWN: no trusted key matches the signature/);
  });

  test("a good signature among several given keys as verified", async () => {
    const run = await verify(pemSignedImage, "--key", otherPem.public, "--key", trustedPem.public);
    assert.equal(run.code, 0, run.stdout);
  });

  test("a payload changed after signing as SIGNATURE_INVALID", async () => {
    const image = `gcr.io/acme/tampered@${digestOf("3")}`;
    const signed = await sign(image, "--key", trustedPem.private);
    assert.equal(signed.details.case, "attestation");
    const payload = Buffer.from(signed.details.value.serializedPayload).toString("utf8").replace("atomic", "Atomic");
    await client.deleteOccurrence(signed.name);
    await client.createOccurrence(
      "projects/authority",
      create(OccurrenceSchema, { ...signed, name: "", details: { case: "attestation", value: { ...signed.details.value, serializedPayload: Buffer.from(payload) } } }),
    );
    const run = await verify(image, "--key", trustedPem.public);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /SIGNATURE_INVALID: the signature does not verify/);
  });

  test("a valid signature over another digest as DIGEST_MISMATCH", async () => {
    const signedImage = `gcr.io/acme/app@${digestOf("4")}`;
    const otherImage = `gcr.io/acme/app@${digestOf("5")}`;
    await copyTo(await sign(signedImage, "--gpg-key", trustedFingerprint), otherImage);
    const run = await verify(otherImage, "--key", trustedPgp, "-o", "json");
    assert.equal(run.code, 1);
    const signature = JSON.parse(run.stdout).occurrences[0].signatures[0];
    assert.equal(signature.code, "DIGEST_MISMATCH");
    assert.equal(signature.detail, `signed for ${digestOf("4")}, but the image is ${digestOf("5")}`);
  });

  test("a valid signature for another repository with the same digest as REPOSITORY_MISMATCH", async () => {
    const signedImage = `gcr.io/acme/app@${digestOf("6")}`;
    const otherImage = `gcr.io/evil/app@${digestOf("6")}`;
    await copyTo(await sign(signedImage, "--key", trustedPem.private, "--format", "dsse"), otherImage);
    const run = await verify(otherImage, "--key", trustedPem.public);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /envelope\.signatures\[0\]: REPOSITORY_MISMATCH/);
  });

  test("an occurrence with nothing signed as NO_SIGNATURES", async () => {
    const image = `gcr.io/acme/unsigned@${digestOf("7")}`;
    await client.createOccurrence(
      "projects/authority",
      create(OccurrenceSchema, { resourceUri: `https://${image}`, noteName: note, details: { case: "attestation", value: { serializedPayload: Buffer.from(digestOf("7")) } } }),
    );
    const run = await verify(image, "--key", trustedPem.public);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /NO_SIGNATURES/);
  });

  test("an image without attestations, and exits 1", async () => {
    const run = await verify(`gcr.io/acme/never@${digestOf("8")}`, "--key", trustedPem.public);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /0 attestation occurrences, 0 verified/);
    assert.match(run.stdout, /No attestation occurrence names this image on this note/);
  });

  test("the 2017 walkthrough's clearsigned digest, uploaded through v1alpha1, as verified", async () => {
    const image = `gcr.io/hightowerlabs/payment@${digestOf("9")}`;
    const signature = gpg.sign(trustedFingerprint, ["--armor", "--clearsign"], `${digestOf("9")}\n`);
    const response = await fetch(`${cli.url}/v1alpha1/projects/authority/occurrences`, {
      method: "POST",
      body: JSON.stringify({
        resourceUrl: `https://${image}`,
        noteName: note,
        attestation: {
          pgpSignedAttestation: { signature: signature.toString("base64"), contentType: "application/vnd.gcr.image.url.v1", pgpKeyId: trustedFingerprint },
        },
      }),
    });
    assert.equal(response.status, 200, await response.text());
    const run = await verify(image, "--key", trustedPgp);
    assert.equal(run.code, 0, run.stdout);
    assert.match(run.stdout, /pgp-cleartext.*payload digest-text/);
  });
});

describe("scriba verify reads keys", () => {
  const image = goodImage;

  test("a base64 armored PGP key, as Kritis' asciiArmoredPgpPublicKey holds it", async () => {
    const base64 = cli.file("qa_bob.b64", Buffer.from(gpg.exportPublic(trustedFingerprint)).toString("base64"));
    assert.equal((await verify(image, "--key", base64)).code, 0);
  });

  test("refuses a private key with exit 2", async () => {
    const run = await verify(image, "--key", trustedPem.private);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /holds a private key; verify with the public key/);
  });

  test("refuses a file that is no key, a missing file and no --key at all, with exit 2", async () => {
    assert.equal((await verify(image, "--key", cli.file("junk.txt", "hello"))).code, 2);
    assert.equal((await verify(image, "--key", `${cli.dir}/missing.pem`)).code, 2);
    const none = await verify(image);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /at least one --key FILE is required/);
  });
});

describe("scriba verify fails cleanly", () => {
  test("for a tag-only image, with exit 2", async () => {
    assert.equal((await cli.run(["verify", "--image", "gcr.io/acme/app:latest", "--note", note, "--key", trustedPem.public])).code, 2);
  });

  test("for a missing note, with exit 1 and NOT_FOUND's message", async () => {
    const run = await cli.run(["verify", "--image", goodImage, "--note", "projects/authority/notes/gone", "--key", trustedPem.public]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /projects\/authority\/notes\/gone/);
  });

  test("for an unreachable server, with exit 1 and an UNAVAILABLE message", async () => {
    const url = await unusedLoopbackUrl();
    const run = await cli.run(["verify", "--image", goodImage, "--note", note, "--key", trustedPem.public], { SCRIBA_SERVER: url });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`^scriba verify: cannot reach the Grafeas server at ${url}: ECONNREFUSED`));
  });
});
