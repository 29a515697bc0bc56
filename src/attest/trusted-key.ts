/**
 * @module attest/trusted-key
 *
 * Trust material, passed in as data (as in sigstore-js's TrustMaterial): the
 * verifier never reads files or the network. Each authority's keys are parsed
 * once with {@link createTrustedKeys} and reused by every verification, since
 * reading an armored PGP key costs about half a millisecond.
 *
 * - PGP keys: armored public key text (or base64 of it, as Kritis'
 *   `asciiArmoredPgpPublicKey` holds). The id is always the primary key's full
 *   fingerprint; a configured id must name that key.
 * - PKIX keys: a PEM SPKI (`-----BEGIN PUBLIC KEY-----`), an optional signature
 *   algorithm name (see ./algorithms.ts), and an id: the configured one, or
 *   `ni:///sha-256;<base64url(sha256(DER SPKI))>` as Kritis' attestlib derives it.
 *
 * Keys outside the allow-list are refused here, when the policy is loaded, not
 * silently skipped at admission time.
 */
import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { type PublicKey, readKey } from "openpgp";
import {
  type PkixKeyShape,
  type PkixScheme,
  describeKeyShape,
  parseSignatureAlgorithm,
  pkixKeyShape,
  schemesForKey,
} from "./algorithms.js";
import { AttestationError } from "./errors.js";
import { pgpAlgorithmProblem } from "./pgp-algorithms.js";
import { preparePgpKeyValidity } from "./pgp-key-validity.js";
import { parsePgpKeyId, pgpKeyIdMatches } from "./pgp-key-id.js";

export interface PgpTrustedKeyInput {
  readonly kind: "pgp";
  /** `gpg --armor --export` output, or base64 of it. */
  readonly armoredPublicKey: string;
  /** Optional; when given it must name this key (fingerprint, long or short id, openpgp4fpr:). */
  readonly id?: string | undefined;
}

export interface PkixTrustedKeyInput {
  readonly kind: "pkix";
  /** PEM SubjectPublicKeyInfo. */
  readonly publicKeyPem: string;
  /** A Binary Authorization / Kritis algorithm name; restricts the key to that one scheme. */
  readonly signatureAlgorithm?: string | undefined;
  /** The id signatures name the key by; derived as `ni:///sha-256;…` when absent. */
  readonly id?: string | undefined;
}

export type TrustedKeyInput = PgpTrustedKeyInput | PkixTrustedKeyInput;

export interface TrustedPgpKey {
  readonly kind: "pgp";
  /** The primary key's fingerprint, uppercase hex. */
  readonly id: string;
  readonly fingerprint: string;
  /** Fingerprints of the primary key and every subkey (uppercase): the keys a signature may come from. */
  readonly keyFingerprints: readonly string[];
  readonly userIds: readonly string[];
  /** The parsed key, for openpgp. */
  readonly publicKey: PublicKey;
}

export interface TrustedPkixKey {
  readonly kind: "pkix";
  /** The configured id, or {@link derivedId}. */
  readonly id: string;
  /** `ni:///sha-256;<base64url(sha256(DER SPKI))>`. */
  readonly derivedId: string;
  readonly publicKey: KeyObject;
  readonly shape: PkixKeyShape;
  /** The named signature algorithm, when one was configured. */
  readonly signatureAlgorithm: PkixScheme | undefined;
  /** The schemes signatures may use with this key (the named one, or all the allowed ones). */
  readonly schemes: readonly PkixScheme[];
  /** E.g. `ECDSA P-256`, for messages. */
  readonly description: string;
}

export type TrustedKey = TrustedPgpKey | TrustedPkixKey;

/** The RFC 6920 `ni` URI Kritis' attestlib uses as a PKIX key id. */
export function niKeyId(spkiDer: Uint8Array): string {
  return `ni:///sha-256;${createHash("sha256").update(spkiDer).digest("base64url")}`;
}

/** Parses one trusted key; throws AttestationError (KEY_MALFORMED, KEY_TOO_WEAK, ALGORITHM_NOT_ALLOWED). */
export async function parseTrustedKey(input: TrustedKeyInput): Promise<TrustedKey> {
  return input.kind === "pgp" ? parsePgpKey(input) : parsePkixKey(input);
}

/** Parses an authority's keys once, for reuse by every verification. */
export async function createTrustedKeys(inputs: readonly TrustedKeyInput[]): Promise<TrustedKey[]> {
  return Promise.all(inputs.map(parseTrustedKey));
}

function armoredText(text: string): string {
  if (text.includes("-----BEGIN PGP")) return text;
  const decoded = Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8");
  if (decoded.includes("-----BEGIN PGP PUBLIC KEY BLOCK-----")) return decoded;
  throw new AttestationError("KEY_MALFORMED", "not an armored PGP public key (nor base64 of one)");
}

async function parsePgpKey(input: PgpTrustedKeyInput): Promise<TrustedPgpKey> {
  const text = armoredText(input.armoredPublicKey);
  if (text.includes("PRIVATE KEY BLOCK")) {
    throw new AttestationError("KEY_MALFORMED", "a private key was given; trust only public keys");
  }
  let publicKey: PublicKey;
  try {
    const key = await readKey({ armoredKey: text });
    if (key.isPrivate()) throw new Error("private key");
    publicKey = key;
  } catch (error) {
    throw new AttestationError("KEY_MALFORMED", "the armored PGP public key cannot be read", { cause: error });
  }
  const fingerprint = publicKey.getFingerprint().toUpperCase();
  const problem = pgpAlgorithmProblem(publicKey.getAlgorithmInfo(), `primary key ${fingerprint}`);
  if (problem) throw new AttestationError(problem.code, problem.detail);
  if (input.id !== undefined && input.id.trim() !== "") {
    const hint = parsePgpKeyId(input.id);
    if (hint === undefined || !pgpKeyIdMatches(hint, fingerprint)) {
      throw new AttestationError("KEY_MALFORMED", `configured id ${input.id} does not name key ${fingerprint}`);
    }
  }
  // Which packet each fingerprint names and whether its algorithm may sign do not change: work them out once.
  preparePgpKeyValidity(publicKey);
  return {
    kind: "pgp",
    id: fingerprint,
    fingerprint,
    keyFingerprints: [fingerprint, ...publicKey.subkeys.map((s) => s.getFingerprint().toUpperCase())],
    userIds: publicKey.getUserIDs(),
    publicKey,
  };
}

function parsePkixKey(input: PkixTrustedKeyInput): TrustedPkixKey {
  if (!/-----BEGIN PUBLIC KEY-----/.test(input.publicKeyPem)) {
    throw new AttestationError("KEY_MALFORMED", "not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: input.publicKeyPem, format: "pem" });
  } catch (error) {
    throw new AttestationError("KEY_MALFORMED", "the PEM public key cannot be read", { cause: error });
  }
  const shape = pkixKeyShape(publicKey);
  const named =
    input.signatureAlgorithm === undefined || input.signatureAlgorithm.trim() === ""
      ? undefined
      : parseSignatureAlgorithm(input.signatureAlgorithm);
  const schemes = schemesForKey(shape, named);
  const derivedId = niKeyId(publicKey.export({ type: "spki", format: "der" }));
  const id = input.id?.trim() ? input.id.trim() : derivedId;
  return {
    kind: "pkix",
    id,
    derivedId,
    publicKey,
    shape,
    signatureAlgorithm: named,
    schemes,
    description: describeKeyShape(shape),
  };
}

/**
 * The trusted keys a signature's key id hint may refer to. PKIX keys match
 * their id or derived `ni:` id exactly; PGP keys match any spelling of their
 * primary or subkey fingerprints. An empty or unrecognised hint matches none.
 */
export function keysForHint(keys: readonly TrustedKey[], hint: string): TrustedKey[] {
  const trimmed = hint.trim();
  if (trimmed === "") return [];
  const pgpHint = parsePgpKeyId(trimmed);
  return keys.filter((key) =>
    key.kind === "pkix"
      ? key.id === trimmed || key.derivedId === trimmed
      : pgpHint !== undefined && key.keyFingerprints.some((fpr) => pgpKeyIdMatches(pgpHint, fpr)),
  );
}
