/**
 * `scriba sign` (and `scriba verify` of what it made) against a real Scriba
 * server on loopback, with keys from a real gpg in a temporary GNUPGHOME,
 * from openssl and from node:crypto.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { GpgHome } from "../../attest/__fixtures__/gpg-home.js";
import { OpensslDir } from "../../attest/__fixtures__/openssl.js";
import { CliServer, digestOf, unusedLoopbackUrl } from "../__fixtures__/cli-server.js";

const note = "projects/authority/notes/qa";
const formats = ["simple-signing", "digest", "dsse"] as const;

interface OccurrenceJson {
  name: string;
  resourceUri: string;
  noteName: string;
  kind: string;
  attestation?: { serializedPayload?: string; signatures?: { signature: string; publicKeyId: string }[] };
  dsseAttestation?: { envelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid: string }[] } };
  envelope?: { payload: string; payloadType: string; signatures: { sig: string; keyid: string }[] };
}

let cli: CliServer;
let gpg: GpgHome;
let openssl: OpensslDir;
let gpgFingerprint: string;
let gpgPublicKey: string;
let gpgEnv: NodeJS.ProcessEnv;
const pem: Record<"ecdsa" | "rsa" | "ed25519", { private: string; public: string }> = {
  ecdsa: { private: "", public: "" },
  rsa: { private: "", public: "" },
  ed25519: { private: "", public: "" },
};

async function occurrencesOn(noteName: string): Promise<OccurrenceJson[]> {
  const listed = await cli.run(["occurrence", "list", "--note", noteName, "-o", "json"]);
  assert.equal(listed.code, 0, listed.stderr);
  return JSON.parse(listed.stdout) as OccurrenceJson[];
}

async function occurrencesFor(image: string, noteName = note): Promise<OccurrenceJson[]> {
  return (await occurrencesOn(noteName)).filter((o) => o.resourceUri === `https://${image}`);
}

const decoded = (base64: string | undefined) => Buffer.from(base64 ?? "", "base64").toString("utf8");

before(async () => {
  cli = await CliServer.start();
  gpg = GpgHome.create();
  gpgFingerprint = gpg.generate("signer@example.com", "ed25519", "sign");
  gpgPublicKey = cli.file("gpg-signer.asc", gpg.exportPublic(gpgFingerprint));
  gpgEnv = { GNUPGHOME: gpg.dir };

  const ecdsa = generateKeyPairSync("ec", { namedCurve: "P-256" });
  pem.ecdsa.private = cli.file("ecdsa.pem", ecdsa.privateKey.export({ type: "pkcs8", format: "pem" }));
  pem.ecdsa.public = cli.file("ecdsa.pub.pem", ecdsa.publicKey.export({ type: "spki", format: "pem" }));
  openssl = OpensslDir.create();
  for (const [name, algorithm, options] of [["rsa", "RSA", ["rsa_keygen_bits:3072"]], ["ed25519", "ED25519", []]] as const) {
    openssl.generate(name, algorithm, options);
    pem[name].private = openssl.path(`${name}.pem`);
    pem[name].public = openssl.path(`${name}.pub.pem`);
  }

  const noteFile = cli.file("qa.json", JSON.stringify({ attestation: { hint: { humanReadableName: "qa" } } }));
  assert.equal((await cli.run(["note", "create", note, "-f", noteFile])).code, 0);
  const dsseNote = cli.file("dsse.json", JSON.stringify({ dsseAttestation: { hint: { humanReadableName: "provenance" } } }));
  assert.equal((await cli.run(["note", "create", "projects/authority/notes/provenance", "-f", dsseNote])).code, 0);
  const vulnerabilityNote = cli.file("cve.json", JSON.stringify({ vulnerability: { details: [{ affectedCpeUri: "cpe:/o:debian:debian_linux:12", affectedPackage: "openssl" }] } }));
  assert.equal((await cli.run(["note", "create", "projects/authority/notes/CVE-2024-0001", "-f", vulnerabilityNote])).code, 0);
});

after(async () => {
  await cli.stop();
  gpg.remove();
  openssl.remove();
});

describe("scriba sign with gpg", () => {
  test("each format signed with gpg verifies with the exported public key", async () => {
    for (const [index, format] of formats.entries()) {
      const image = `gcr.io/acme/app@${digestOf(String(index + 1))}`;
      const signed = await cli.run(["sign", "--image", image, "--note", note, "--gpg-key", "signer@example.com", "--format", format], gpgEnv);
      assert.equal(signed.code, 0, `${format}: ${signed.stderr}`);
      const verified = await cli.run(["verify", "--image", image, "--note", note, "--key", gpgPublicKey]);
      assert.equal(verified.code, 0, `${format}: ${verified.stdout}${verified.stderr}`);
      assert.match(verified.stdout, new RegExp(`verified with key ${gpgFingerprint}`));
    }
  });

  test("simple-signing with gpg stores the armored attached signature, the payload and openpgp4fpr:FINGERPRINT", async () => {
    const image = `gcr.io/acme/attached@${digestOf("a")}`;
    const signed = await cli.run(["sign", "--image", image, "--note", note, "--gpg-key", gpgFingerprint], gpgEnv);
    assert.equal(signed.code, 0, signed.stderr);
    const [occurrence] = await occurrencesFor(image);
    assert.equal(occurrence?.kind, "ATTESTATION");
    const signature = occurrence?.attestation?.signatures?.[0];
    assert.equal(signature?.publicKeyId, `openpgp4fpr:${gpgFingerprint}`);
    assert.match(decoded(signature?.signature), /^-----BEGIN PGP MESSAGE-----/);
    assert.deepEqual(JSON.parse(decoded(occurrence?.attestation?.serializedPayload)), {
      critical: {
        identity: { "docker-reference": "gcr.io/acme/attached" },
        image: { "docker-manifest-digest": digestOf("a") },
        type: "atomic container signature",
      },
    });
  });

  test("an unknown gpg key fails with exit 1 and names the key", async () => {
    const run = await cli.run(["sign", "--image", `gcr.io/acme/app@${digestOf("b")}`, "--note", note, "--gpg-key", "nobody@example.com"], gpgEnv);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /gpg has no secret key "nobody@example.com"/);
  });
});

describe("scriba sign with PEM keys", () => {
  const signers = [
    { name: "ECDSA P-256 (node:crypto)", key: () => pem.ecdsa, algorithm: undefined, expected: "ecdsa-p256-sha256" },
    { name: "RSA-3072 PSS (openssl)", key: () => pem.rsa, algorithm: "RSA_SIGN_PSS_3072_SHA256", expected: "rsa-pss-3072-sha256" },
    { name: "Ed25519 (openssl)", key: () => pem.ed25519, algorithm: undefined, expected: "ed25519" },
  ];

  for (const [signerIndex, signer] of signers.entries()) {
    test(`each format signed with ${signer.name} verifies with the public key`, async () => {
      for (const [formatIndex, format] of formats.entries()) {
        const image = `registry.example.com:5000/team/svc@${digestOf(String(signerIndex * 3 + formatIndex + 1))}`;
        const args = ["sign", "--image", image, "--note", note, "--key", signer.key().private, "--format", format];
        const signed = await cli.run(signer.algorithm ? [...args, "--algorithm", signer.algorithm] : args);
        assert.equal(signed.code, 0, `${format}: ${signed.stderr}`);
        const verified = await cli.run(["verify", "--image", image, "--note", note, "--key", signer.key().public, "-o", "json"]);
        assert.equal(verified.code, 0, `${format}: ${verified.stdout}${verified.stderr}`);
        const report = JSON.parse(verified.stdout);
        assert.equal(report.verified, true);
        assert.equal(report.occurrences[0].signatures[0].algorithm, signer.expected);
        assert.equal(report.occurrences[0].signatures[0].format, "pkix");
      }
    });
  }

  test("a PEM signature is detached and named by the key's ni:/// id", async () => {
    const image = `gcr.io/acme/detached@${digestOf("c")}`;
    assert.equal((await cli.run(["sign", "--image", image, "--note", note, "--key", pem.ecdsa.private, "--format", "digest"])).code, 0);
    const [occurrence] = await occurrencesFor(image);
    assert.equal(decoded(occurrence?.attestation?.serializedPayload), `${digestOf("c")}\n`);
    assert.match(occurrence?.attestation?.signatures?.[0]?.publicKeyId ?? "", /^ni:\/\/\/sha-256;[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(occurrence?.attestation?.signatures?.[0]?.signature ?? "", "base64")[0], 0x30, "an ECDSA DER signature");
  });

  test("--key-id records the given key id instead of the derived one", async () => {
    const image = `gcr.io/acme/named@${digestOf("d")}`;
    const run = await cli.run(["sign", "--image", image, "--note", note, "--key", pem.ecdsa.private, "--key-id", "//cloudkms.googleapis.com/v1/keys/k1"]);
    assert.equal(run.code, 0, run.stderr);
    const [occurrence] = await occurrencesFor(image);
    assert.equal(occurrence?.attestation?.signatures?.[0]?.publicKeyId, "//cloudkms.googleapis.com/v1/keys/k1");
  });

  test("a public key given as --key is refused with exit 1", async () => {
    const run = await cli.run(["sign", "--image", `gcr.io/acme/app@${digestOf("e")}`, "--note", note, "--key", pem.ecdsa.public]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /is not an unencrypted PEM private key/);
  });
});

describe("what scriba sign writes", () => {
  test("dsse on an ATTESTATION note writes an ATTESTATION occurrence whose envelope holds the in-toto statement", async () => {
    const image = `gcr.io/acme/dsse@${digestOf("f")}`;
    assert.equal((await cli.run(["sign", "--image", image, "--note", note, "--key", pem.ecdsa.private, "--format", "dsse"])).code, 0);
    const [occurrence] = await occurrencesFor(image);
    assert.equal(occurrence?.kind, "ATTESTATION");
    assert.equal(occurrence?.envelope?.payloadType, "application/vnd.in-toto+json");
    assert.equal(occurrence?.attestation?.signatures, undefined, "the signature lives in the envelope only");
    assert.equal(occurrence?.attestation?.serializedPayload, occurrence?.envelope?.payload);
    const statement = JSON.parse(decoded(occurrence?.envelope?.payload));
    assert.equal(statement._type, "https://in-toto.io/Statement/v1");
    assert.deepEqual(statement.subject, [{ name: "gcr.io/acme/dsse", digest: { sha256: "f".repeat(64) } }]);
  });

  test("dsse on a DSSE_ATTESTATION note writes a dsseAttestation occurrence that verifies", async () => {
    const image = `gcr.io/acme/provenance@${digestOf("1")}`;
    const provenance = "projects/authority/notes/provenance";
    const signed = await cli.run(["sign", "--image", image, "--note", provenance, "--gpg-key", gpgFingerprint, "--format", "dsse"], gpgEnv);
    assert.equal(signed.code, 0, signed.stderr);
    const [occurrence] = await occurrencesFor(image, provenance);
    assert.equal(occurrence?.kind, "DSSE_ATTESTATION");
    assert.equal(occurrence?.dsseAttestation?.envelope?.signatures[0]?.keyid, `openpgp4fpr:${gpgFingerprint}`);
    assert.equal((await cli.run(["verify", "--image", image, "--note", provenance, "--key", gpgPublicKey])).code, 0);
  });

  test("the resource URI and the payload use the normalised pinned reference, without the tag", async () => {
    const signed = await cli.run(["sign", "--image", `nginx:1.25@${digestOf("2")}`, "--note", note, "--key", pem.ecdsa.private]);
    assert.equal(signed.code, 0, signed.stderr);
    const [occurrence] = await occurrencesFor(`docker.io/library/nginx@${digestOf("2")}`);
    assert.ok(occurrence, "an occurrence for https://docker.io/library/nginx@sha256:…");
    assert.equal(JSON.parse(decoded(occurrence.attestation?.serializedPayload)).critical.identity["docker-reference"], "docker.io/library/nginx");
  });

  test("--project writes the occurrence into that project", async () => {
    const image = `gcr.io/acme/elsewhere@${digestOf("3")}`;
    assert.equal((await cli.run(["sign", "--image", image, "--note", note, "--key", pem.ecdsa.private, "--project", "team-a"])).code, 0);
    const [occurrence] = await occurrencesFor(image);
    assert.match(occurrence?.name ?? "", /^projects\/team-a\/occurrences\//);
  });
});

describe("scriba sign is idempotent", () => {
  const image = `gcr.io/acme/idempotent@${digestOf("4")}`;

  test("signing again with the same key writes nothing and says so", async () => {
    assert.equal((await cli.run(["sign", "--image", image, "--note", note, "--key", pem.ecdsa.private])).code, 0);
    const before = await occurrencesFor(image);
    const again = await cli.run(["sign", "--image", image, "--note", note, "--key", pem.ecdsa.private, "-o", "json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).status, "unchanged");
    assert.deepEqual((await occurrencesFor(image)).map((o) => o.name), before.map((o) => o.name));
  });

  test("another key adds its own occurrence", async () => {
    const other = await cli.run(["sign", "--image", image, "--note", note, "--key", pem.ed25519.private]);
    assert.equal(other.code, 0, other.stderr);
    assert.equal((await occurrencesFor(image)).length, 2);
  });

  test("--overwrite replaces this key's occurrence and leaves the other key's alone", async () => {
    const before = await occurrencesFor(image);
    const run = await cli.run(["sign", "--image", image, "--note", note, "--key", pem.ecdsa.private, "--overwrite", "--format", "dsse", "-o", "json"]);
    assert.equal(run.code, 0, run.stderr);
    const outcome = JSON.parse(run.stdout);
    assert.equal(outcome.status, "replaced");
    const after = await occurrencesFor(image);
    assert.equal(after.length, 2);
    assert.ok(after.some((o) => o.name === outcome.occurrences[0] && o.envelope !== undefined), "the new dsse occurrence exists");
    assert.ok(!after.some((o) => o.name === outcome.replaced[0]), "the old occurrence is gone");
    assert.ok(before.some((o) => o.name === outcome.replaced[0]));
  });
});

describe("scriba sign refuses", () => {
  test("a tag-only reference, with exit 2 and how to pin it", async () => {
    const run = await cli.run(["sign", "--image", "nginx:1.25", "--note", note, "--key", pem.ecdsa.private]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /names a tag, not a digest/);
    assert.match(run.stderr, /docker\.io\/library\/nginx@sha256:<digest>/);
  });

  test("a missing note, with exit 1 and the command that creates it", async () => {
    const run = await cli.run(["sign", "--image", `gcr.io/acme/app@${digestOf("5")}`, "--note", "projects/authority/notes/missing", "--key", pem.ecdsa.private]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /note projects\/authority\/notes\/missing does not exist/);
    assert.match(run.stderr, /scriba note create projects\/authority\/notes\/missing -f note\.json/);
  });

  test("a note that is not an attestation note", async () => {
    const run = await cli.run(["sign", "--image", `gcr.io/acme/app@${digestOf("6")}`, "--note", "projects/authority/notes/CVE-2024-0001", "--key", pem.ecdsa.private]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /is not an attestation note/);
  });

  test("both --gpg-key and --key, or neither, with exit 2", async () => {
    const image = `gcr.io/acme/app@${digestOf("7")}`;
    const both = await cli.run(["sign", "--image", image, "--note", note, "--key", pem.ecdsa.private, "--gpg-key", gpgFingerprint]);
    assert.equal(both.code, 2);
    assert.equal((await cli.run(["sign", "--image", image, "--note", note])).code, 2);
  });

  test("an unreachable server, with exit 1 and an UNAVAILABLE message", async () => {
    const url = await unusedLoopbackUrl();
    const run = await cli.run(["sign", "--image", `gcr.io/acme/app@${digestOf("8")}`, "--note", note, "--key", pem.ecdsa.private, "--server", url]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`cannot reach the Grafeas server at ${url}: ECONNREFUSED`));
  });
});
