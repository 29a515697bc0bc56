/**
 * @module policy/crds/attestation-authority
 *
 * AttestationAuthority (namespaced): a Grafeas note whose ATTESTATION
 * occurrences are the authority's attestations, and the public keys that may
 * have signed them. An attestation is valid when ANY of the keys verifies it
 * (key rotation), as in Kritis and Binary Authorization.
 *
 * ```yaml
 * apiVersion: kritis.grafeas.io/v1beta1
 * kind: AttestationAuthority
 * metadata: {name: qa, namespace: prod}
 * spec:
 *   noteReference: projects/image-signing/notes/qa
 *   publicKeys:
 *   - keyType: PGP
 *     keyId: 0123456789ABCDEF0123456789ABCDEF01234567   # optional
 *     asciiArmoredPgpPublicKey: LS0tLS1CRUdJTi…          # base64 of `gpg --export --armor`
 *   - keyType: PKIX
 *     keyId: ni:///sha-256;…                              # optional; derived when absent
 *     pkixPublicKey:
 *       publicKeyPem: "-----BEGIN PUBLIC KEY-----\n…"
 *       signatureAlgorithm: ecdsa-p256-sha256
 * ```
 *
 * Differences from Kritis, each closing a hole:
 * - `keyType` is read as `keyType` (Kritis' malformed struct tag made it
 *   `KeyType`, so a live cluster probably saw no key type at all), and PKIX
 *   keys are kept: Kritis' admission path skipped them, so a PKIX-only
 *   authority could never be satisfied.
 * - At least one key is required. Binary Authorization accepts an attestor
 *   without keys and then reports "no valid attestations" for every image;
 *   such an authority can only ever deny, so it is almost certainly a mistake
 *   and is reported when the policy is loaded, not at every admission.
 * - `asciiArmoredPgpPublicKey` holds, as in Kritis, the BASE64 of the armored
 *   key (`gpg --export --armor KEY | base64 -w0`); line-wrapped base64 and
 *   the armored text itself (starting `-----BEGIN PGP PUBLIC KEY BLOCK-----`,
 *   as Binary Authorization takes it) are accepted too. A private key is
 *   refused, and key material never appears in an error message.
 * - A PKIX key must be a PEM `PUBLIC KEY` (SPKI) that can verify the declared
 *   algorithm; its `keyId`, when not given, is derived as Kritis' attestlib
 *   and Binary Authorization do: `ni:///sha-256;<base64url(SHA-256(DER SPKI))>`.
 *
 * Algorithm names, the key allow-list and key ids are the attestation
 * verifier's (src/attest), so a key accepted here is one the verifier can use.
 * Signatures are verified there; this module only reads and checks the
 * declaration. A declared PGP `keyId` is kept as
 * written (normalised to uppercase hex) for the verifier to compare with the
 * key's fingerprint.
 */
import { createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import {
  AttestationError,
  namedSignatureAlgorithmSpellings,
  namedSignatureAlgorithms,
  niKeyId,
  parseSignatureAlgorithm,
  pkixKeyShape,
  schemeName,
  schemesForKey,
} from "../../attest/index.js";
import type { NoteName } from "../../grafeas/resource-names.js";
import { noteName as formatNoteName, parseNoteName } from "../../grafeas/resource-names.js";
import { FieldReader, fieldPath, isJsonObject } from "./field-reader.js";
import type { JsonObject } from "./field-reader.js";
import type { ObjectIdentity, ParseResult, ReadOptions } from "./kritis-api.js";
import { parseResult, readEnvelope, unreadableObject } from "./kritis-api.js";

export const publicKeyTypes = ["PGP", "PKIX"] as const;
export type PublicKeyType = (typeof publicKeyTypes)[number];

export interface PgpPublicKey {
  readonly keyType: "PGP";
  /** Uppercase hex (a 16-digit key ID or a fingerprint) when declared. */
  readonly keyId: string | undefined;
  /** The ASCII-armored public key block, decoded. */
  readonly armoredKey: string;
  readonly comment: string | undefined;
}

export interface PkixPublicKey {
  readonly keyType: "PKIX";
  /** The declared URI, or the derived `ni:///sha-256;…` one. */
  readonly keyId: string;
  readonly keyIdDerived: boolean;
  readonly publicKeyPem: string;
  /** The canonical Kritis/gcloud name (`ecdsa-p256-sha256`), whatever spelling the policy used. */
  readonly signatureAlgorithm: string;
  readonly comment: string | undefined;
}

export type AuthorityPublicKey = PgpPublicKey | PkixPublicKey;

export interface AttestationAuthority {
  readonly kind: "AttestationAuthority";
  readonly name: string;
  readonly namespace: string;
  /** Canonical `projects/P/notes/N`. */
  readonly noteReference: string;
  readonly note: NoteName;
  readonly publicKeys: readonly AuthorityPublicKey[];
}

const armorHeader = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
const armorFooter = "-----END PGP PUBLIC KEY BLOCK-----";
const base64Text = /^[A-Za-z0-9+/]+={0,2}$/;

function readArmoredPgpKey(reader: FieldReader, value: string, path: string): string | undefined {
  let text = value.trim();
  if (!text.startsWith("-----BEGIN ")) {
    const compact = text.replace(/\s+/g, "");
    if (!base64Text.test(compact) || compact.length % 4 !== 0) {
      return reader.problem(
        path,
        `must be the base64 of an ASCII-armored PGP public key (gpg --export --armor KEY | base64 -w0) or the armored key itself; it is neither`,
      );
    }
    text = Buffer.from(compact, "base64").toString("utf8").replace(/^\uFEFF/, "").trim();
  }
  if (text.startsWith("-----BEGIN PGP PRIVATE KEY BLOCK-----")) {
    return reader.problem(path, "is a PGP PRIVATE key; export the public key with gpg --export --armor KEY");
  }
  if (!text.startsWith(armorHeader)) {
    return reader.problem(path, `the armored key must start with ${armorHeader}`);
  }
  if (!text.includes(armorFooter)) {
    return reader.problem(path, `the armored key has no ${armorFooter} line`);
  }
  return `${text}\n`;
}

const pemPublicKey = /^-----BEGIN PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END PUBLIC KEY-----$/;

function readPemKey(reader: FieldReader, value: string, path: string): KeyObject | undefined {
  const pem = value.trim();
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    return reader.problem(path, "is a PRIVATE key; give the public key (openssl pkey -pubout)");
  }
  if (!pemPublicKey.test(pem)) {
    return reader.problem(
      path,
      "must be one PEM block -----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY----- (an SPKI public key)",
    );
  }
  try {
    return createPublicKey({ key: pem, format: "pem" });
  } catch {
    return reader.problem(path, "is not a public key that can be read (the PEM body does not decode to SPKI)");
  }
}

/**
 * The canonical name of a declared algorithm, or undefined when the spelling
 * is not one a policy may declare (the CRD schema's enum).
 */
function readSignatureAlgorithm(text: string): string | undefined {
  if (!namedSignatureAlgorithmSpellings.includes(text)) return undefined;
  return schemeName(parseSignatureAlgorithm(text));
}

/** Why the key cannot make signatures of the algorithm (or is off the allow-list), or undefined. */
function keyMismatch(algorithm: string, key: KeyObject): string | undefined {
  try {
    schemesForKey(pkixKeyShape(key), parseSignatureAlgorithm(algorithm));
    return undefined;
  } catch (error) {
    if (error instanceof AttestationError) return error.detail;
    throw error;
  }
}

const uri = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const pgpKeyId = /^(?:[0-9A-F]{16}|[0-9A-F]{40}|[0-9A-F]{64})$/;

function readPublicKey(reader: FieldReader, item: unknown, path: string): AuthorityPublicKey | undefined {
  const key = reader.object(item, path, true);
  if (key === undefined) return undefined;
  reader.knownFields(key, path, ["keyType", "keyId", "comment", "asciiArmoredPgpPublicKey", "pkixPublicKey"], {
    KeyType: "keyType",
    id: "keyId",
    keyID: "keyId",
    publicKeyPem: "pkixPublicKey.publicKeyPem",
  });
  const keyType = reader.choice(key["keyType"], fieldPath(path, "keyType"), publicKeyTypes);
  if (key["keyType"] === undefined || key["keyType"] === null || key["keyType"] === "") {
    reader.problem(fieldPath(path, "keyType"), `required (${publicKeyTypes.join(" or ")})`);
  }
  const comment = reader.string(key["comment"], fieldPath(path, "comment"), false);
  const keyIdPath = fieldPath(path, "keyId");
  const armoredPath = fieldPath(path, "asciiArmoredPgpPublicKey");
  const pkixPath = fieldPath(path, "pkixPublicKey");

  if (keyType === "PGP") {
    if (isJsonObject(key["pkixPublicKey"])) {
      reader.problem(pkixPath, "must not be set when keyType is PGP");
    }
    const declared = reader.string(key["keyId"], keyIdPath, false, (id) =>
      pgpKeyId.test(id.replace(/\s+/g, "").toUpperCase())
        ? undefined
        : "must be a PGP key ID or fingerprint in hex (16, 40 or 64 digits)",
    );
    const armoredText = reader.string(key["asciiArmoredPgpPublicKey"], armoredPath, false);
    if (armoredText === undefined) {
      if (key["asciiArmoredPgpPublicKey"] === undefined || key["asciiArmoredPgpPublicKey"] === null) {
        reader.problem(armoredPath, "required when keyType is PGP");
      }
      return undefined;
    }
    const armoredKey = readArmoredPgpKey(reader, armoredText, armoredPath);
    if (armoredKey === undefined) return undefined;
    return {
      keyType,
      keyId: declared?.replace(/\s+/g, "").toUpperCase(),
      armoredKey,
      comment,
    };
  }

  if (keyType === "PKIX") {
    if (key["asciiArmoredPgpPublicKey"] !== undefined && key["asciiArmoredPgpPublicKey"] !== null) {
      reader.problem(armoredPath, "must not be set when keyType is PKIX");
    }
    const declared = reader.string(key["keyId"], keyIdPath, false, (id) =>
      uri.test(id) ? undefined : "must be a URI (RFC 3986), e.g. ni:///sha-256;… ; omit it to have it derived",
    );
    const pkix = reader.object(key["pkixPublicKey"], pkixPath, false);
    if (pkix === undefined) {
      if (key["pkixPublicKey"] === undefined || key["pkixPublicKey"] === null) {
        reader.problem(pkixPath, "required when keyType is PKIX");
      }
      return undefined;
    }
    reader.knownFields(pkix, pkixPath, ["publicKeyPem", "signatureAlgorithm"]);
    const pemPath = fieldPath(pkixPath, "publicKeyPem");
    const algorithmPath = fieldPath(pkixPath, "signatureAlgorithm");
    const pem = reader.string(pkix["publicKeyPem"], pemPath, true);
    const algorithmText = reader.string(pkix["signatureAlgorithm"], algorithmPath, true);
    const algorithm =
      algorithmText === undefined ? undefined : readSignatureAlgorithm(algorithmText);
    if (algorithmText !== undefined && algorithm === undefined) {
      reader.problem(
        algorithmPath,
        `must be one of ${namedSignatureAlgorithms.join(", ")} (or the Binary Authorization spelling, e.g. ECDSA_P256_SHA256); got ${JSON.stringify(algorithmText)}`,
      );
    }
    const publicKey = pem === undefined ? undefined : readPemKey(reader, pem, pemPath);
    if (publicKey === undefined || algorithm === undefined) return undefined;
    const mismatch = keyMismatch(algorithm, publicKey);
    if (mismatch !== undefined) return reader.problem(pemPath, mismatch);
    return {
      keyType,
      keyId: declared ?? niKeyId(publicKey.export({ type: "spki", format: "der" })),
      keyIdDerived: declared === undefined,
      publicKeyPem: `${pem?.trim()}\n`,
      signatureAlgorithm: algorithm,
      comment,
    };
  }
  return undefined;
}

function readSpec(reader: FieldReader, spec: JsonObject) {
  reader.knownFields(spec, "spec", ["noteReference", "publicKeys"], {
    publicKeyData: "publicKeys",
    privateKeySecretName: "publicKeys (Scriba never reads private keys from an AttestationAuthority)",
    policyType: "publicKeys[].keyType",
    userOwnedGrafeasNote: "noteReference and publicKeys at the top of spec",
  });
  let note: NoteName | undefined;
  reader.string(spec["noteReference"], "spec.noteReference", true, (value) => {
    try {
      note = parseNoteName(value, "noteReference");
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  });
  const items = reader.list(spec["publicKeys"], "spec.publicKeys", false);
  if (items === undefined || items.length === 0) {
    reader.problem(
      "spec.publicKeys",
      "at least one public key is required: an authority without keys can never verify an attestation, so every image it guards would be denied",
    );
  }
  const keys: AuthorityPublicKey[] = [];
  const ids = new Map<string, number>();
  (items ?? []).forEach((item, index) => {
    const path = fieldPath("spec.publicKeys", index);
    const key = readPublicKey(reader, item, path);
    if (key === undefined) return;
    if (key.keyId !== undefined) {
      const first = ids.get(key.keyId);
      if (first !== undefined) {
        reader.problem(
          fieldPath(path, "keyId"),
          `${JSON.stringify(key.keyId)} is also the key ID of spec.publicKeys[${first}]; key IDs must be unique`,
        );
      }
      ids.set(key.keyId, index);
    }
    keys.push(key);
  });
  return { note, keys };
}

export function parseAttestationAuthority(
  object: unknown,
  options: ReadOptions = {},
): ParseResult<AttestationAuthority> {
  const reader = new FieldReader();
  const root = reader.object(object, "object", true);
  if (root === undefined) return unreadableObject(reader, "AttestationAuthority");
  const identity: ObjectIdentity = readEnvelope(reader, root, "AttestationAuthority", true, options);
  const spec = reader.object(root["spec"], "spec", true);
  const read = spec === undefined ? undefined : readSpec(reader, spec);
  return parseResult(reader, identity, () => {
    const note = read?.note as NoteName;
    return {
      kind: "AttestationAuthority",
      name: identity.name as string,
      namespace: identity.namespace as string,
      noteReference: formatNoteName(note.project, note.noteId),
      note,
      publicKeys: read?.keys ?? [],
    };
  });
}
