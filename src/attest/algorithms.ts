/**
 * @module attest/algorithms
 *
 * The algorithm allow-list, in one place. Everything not listed here fails
 * with ALGORITHM_NOT_ALLOWED (or KEY_TOO_WEAK for short RSA keys):
 *
 * - RSA with a modulus of at least 2048 bits, PKCS#1 v1.5 or PSS, SHA-256/384/512;
 * - ECDSA on P-256, P-384 and P-521, each with its own SHA-2 hash
 *   (P-256/SHA-256, P-384/SHA-384, P-521/SHA-512);
 * - Ed25519 (including GnuPG's legacy EdDSA keys).
 *
 * No SHA-1, no DSA, no other curves. The PKIX signature algorithm names are
 * those of Binary Authorization and Kritis (`rsa-pss-2048-sha256`,
 * `ecdsa-p256-sha256`, …) and their enum spellings (`RSA_PSS_2048_SHA256`,
 * `EC_SIGN_P256_SHA256`, `ECDSA_P256_SHA256`, `RSA_SIGN_PKCS1_4096_SHA512`, …).
 */
import type { KeyObject } from "node:crypto";
import { AttestationError } from "./errors.js";

export type HashAlgorithm = "sha256" | "sha384" | "sha512";
export type EcCurve = "P-256" | "P-384" | "P-521";

export const minimumRsaBits = 2048;

/** One way of making a signature with a PKIX key. */
export type PkixScheme =
  | { readonly kind: "rsa-pkcs1"; readonly hash: HashAlgorithm; readonly modulusBits?: number }
  | { readonly kind: "rsa-pss"; readonly hash: HashAlgorithm; readonly modulusBits?: number }
  | { readonly kind: "ecdsa"; readonly hash: HashAlgorithm; readonly curve: EcCurve }
  | { readonly kind: "ed25519" };

/** The hash each allowed curve is used with. */
export const curveHashes: Record<EcCurve, HashAlgorithm> = {
  "P-256": "sha256",
  "P-384": "sha384",
  "P-521": "sha512",
};

const nodeCurveNames: Record<string, EcCurve> = {
  prime256v1: "P-256",
  "P-256": "P-256",
  secp384r1: "P-384",
  "P-384": "P-384",
  secp521r1: "P-521",
  "P-521": "P-521",
};

const rsaName = /^RSA_(?:SIGN_)?(PSS|PKCS1)_(\d+)_(SHA256|SHA384|SHA512)$/;
const ecName = /^(?:ECDSA|EC_SIGN)_(P256|P384|P521)_(SHA256|SHA384|SHA512)$/;
const ed25519Names = new Set(["ED25519", "EC_SIGN_ED25519", "PKIX_ED25519", "EDDSA"]);

/**
 * Reads a signature algorithm name in any accepted spelling. Throws
 * ALGORITHM_NOT_ALLOWED for anything outside the allow-list (SHA-1, DSA,
 * RSA below 2048 bits, a curve with a foreign hash, unknown names).
 */
export function parseSignatureAlgorithm(name: string): PkixScheme {
  const normalised = name.trim().toUpperCase().replaceAll("-", "_");
  const rsa = rsaName.exec(normalised);
  if (rsa) {
    const bits = Number(rsa[2]);
    if (bits < minimumRsaBits) {
      throw new AttestationError("ALGORITHM_NOT_ALLOWED", `${name} uses RSA keys below ${minimumRsaBits} bits`);
    }
    const hash = rsa[3]!.toLowerCase() as HashAlgorithm;
    return rsa[1] === "PSS"
      ? { kind: "rsa-pss", hash, modulusBits: bits }
      : { kind: "rsa-pkcs1", hash, modulusBits: bits };
  }
  const ec = ecName.exec(normalised);
  if (ec) {
    const curve = `P-${ec[1]!.slice(1)}` as EcCurve;
    const hash = ec[2]!.toLowerCase() as HashAlgorithm;
    if (curveHashes[curve] !== hash) {
      throw new AttestationError("ALGORITHM_NOT_ALLOWED", `${name} pairs ${curve} with ${hash}`);
    }
    return { kind: "ecdsa", hash, curve };
  }
  if (ed25519Names.has(normalised)) return { kind: "ed25519" };
  throw new AttestationError("ALGORITHM_NOT_ALLOWED", `signature algorithm ${JSON.stringify(name)} is not allowed`);
}

/**
 * The PKIX signature algorithm names of Binary Authorization and Kritis (the
 * gcloud `--pkix-public-key-algorithm` values), in their canonical spelling.
 * {@link parseSignatureAlgorithm} reads more than these (any RSA size from
 * 2048 bits, Ed25519); this list is what a policy may declare, so that a CRD
 * schema enum and the policy parser agree on one closed set.
 */
export const namedSignatureAlgorithms = [
  "rsa-pss-2048-sha256",
  "rsa-pss-3072-sha256",
  "rsa-pss-4096-sha256",
  "rsa-pss-4096-sha512",
  "rsa-sign-pkcs1-2048-sha256",
  "rsa-sign-pkcs1-3072-sha256",
  "rsa-sign-pkcs1-4096-sha256",
  "rsa-sign-pkcs1-4096-sha512",
  "ecdsa-p256-sha256",
  "ecdsa-p384-sha384",
  "ecdsa-p521-sha512",
] as const;

/**
 * Every spelling of {@link namedSignatureAlgorithms}: the canonical names,
 * Binary Authorization's enum names (`RSA_PSS_2048_SHA256`, `ECDSA_P256_SHA256`)
 * and its `EC_SIGN_*` aliases of the ECDSA names.
 */
export const namedSignatureAlgorithmSpellings: readonly string[] = [
  ...namedSignatureAlgorithms,
  ...namedSignatureAlgorithms.map((name) => name.toUpperCase().replaceAll("-", "_")),
  "EC_SIGN_P256_SHA256",
  "EC_SIGN_P384_SHA384",
  "EC_SIGN_P521_SHA512",
];

/** The canonical (Binary Authorization) name of a scheme; `keyBits` fills in an RSA size the scheme leaves open. */
export function schemeName(scheme: PkixScheme, keyBits?: number): string {
  switch (scheme.kind) {
    case "rsa-pkcs1":
      return `rsa-sign-pkcs1-${scheme.modulusBits ?? keyBits ?? "any"}-${scheme.hash}`;
    case "rsa-pss":
      return `rsa-pss-${scheme.modulusBits ?? keyBits ?? "any"}-${scheme.hash}`;
    case "ecdsa":
      return `ecdsa-p${scheme.curve.slice(2)}-${scheme.hash}`;
    case "ed25519":
      return "ed25519";
  }
}

/** What a PKIX public key is, as far as the allow-list cares. */
export type PkixKeyShape =
  | { readonly type: "rsa"; readonly modulusBits: number; readonly pssOnly: boolean }
  | { readonly type: "ec"; readonly curve: EcCurve }
  | { readonly type: "ed25519" };

/** Describes a node:crypto public key; throws for key types and curves off the allow-list. */
export function pkixKeyShape(key: KeyObject): PkixKeyShape {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === "rsa" || type === "rsa-pss") {
    const modulusBits = details.modulusLength ?? 0;
    if (modulusBits < minimumRsaBits) {
      throw new AttestationError("KEY_TOO_WEAK", `RSA key of ${modulusBits} bits (minimum ${minimumRsaBits})`);
    }
    return { type: "rsa", modulusBits, pssOnly: type === "rsa-pss" };
  }
  if (type === "ec") {
    const curve = nodeCurveNames[details.namedCurve ?? ""];
    if (curve === undefined) {
      throw new AttestationError("ALGORITHM_NOT_ALLOWED", `elliptic curve ${details.namedCurve ?? "unknown"} is not allowed`);
    }
    return { type: "ec", curve };
  }
  if (type === "ed25519") return { type: "ed25519" };
  throw new AttestationError("ALGORITHM_NOT_ALLOWED", `${type ?? "unknown"} keys are not allowed`);
}

export function describeKeyShape(shape: PkixKeyShape): string {
  switch (shape.type) {
    case "rsa":
      return `RSA-${shape.modulusBits}${shape.pssOnly ? " (PSS only)" : ""}`;
    case "ec":
      return `ECDSA ${shape.curve}`;
    case "ed25519":
      return "Ed25519";
  }
}

/** Every scheme a key may be used with: the named one, or all its allowed ones when none is named. */
export function schemesForKey(shape: PkixKeyShape, named: PkixScheme | undefined): PkixScheme[] {
  if (named !== undefined) {
    assertSchemeFitsKey(named, shape);
    return [named];
  }
  switch (shape.type) {
    case "rsa": {
      const hashes: HashAlgorithm[] = ["sha256", "sha384", "sha512"];
      const pss = hashes.map((hash): PkixScheme => ({ kind: "rsa-pss", hash }));
      return shape.pssOnly ? pss : [...hashes.map((hash): PkixScheme => ({ kind: "rsa-pkcs1", hash })), ...pss];
    }
    case "ec":
      return [{ kind: "ecdsa", curve: shape.curve, hash: curveHashes[shape.curve] }];
    case "ed25519":
      return [{ kind: "ed25519" }];
  }
}

function assertSchemeFitsKey(scheme: PkixScheme, shape: PkixKeyShape): void {
  const mismatch = (why: string) =>
    new AttestationError("KEY_MALFORMED", `signature algorithm ${schemeName(scheme)} does not fit the key: ${why}`);
  switch (scheme.kind) {
    case "rsa-pkcs1":
    case "rsa-pss":
      if (shape.type !== "rsa") throw mismatch(`the key is ${describeKeyShape(shape)}`);
      if (scheme.kind === "rsa-pkcs1" && shape.pssOnly) throw mismatch("the key is restricted to PSS");
      if (scheme.modulusBits !== undefined && scheme.modulusBits !== shape.modulusBits) {
        throw mismatch(`the key has ${shape.modulusBits} bits`);
      }
      return;
    case "ecdsa":
      if (shape.type !== "ec" || shape.curve !== scheme.curve) throw mismatch(`the key is ${describeKeyShape(shape)}`);
      return;
    case "ed25519":
      if (shape.type !== "ed25519") throw mismatch(`the key is ${describeKeyShape(shape)}`);
      return;
  }
}

/** The JWS `alg` values accepted for JWT attestations. */
export const allowedJwsAlgorithms = [
  "ES256",
  "ES384",
  "ES512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "EdDSA",
  "Ed25519",
] as const;
export type JwsAlgorithm = (typeof allowedJwsAlgorithms)[number];

export function isAllowedJwsAlgorithm(alg: unknown): alg is JwsAlgorithm {
  return typeof alg === "string" && (allowedJwsAlgorithms as readonly string[]).includes(alg);
}

/** The scheme a JWS `alg` denotes, so it can be checked against a key's allowed schemes. */
export function schemeOfJwsAlgorithm(alg: JwsAlgorithm): { kind: PkixScheme["kind"]; hash?: HashAlgorithm } {
  if (alg === "EdDSA" || alg === "Ed25519") return { kind: "ed25519" };
  const hash = `sha${alg.slice(2)}` as HashAlgorithm;
  if (alg.startsWith("ES")) return { kind: "ecdsa", hash };
  if (alg.startsWith("RS")) return { kind: "rsa-pkcs1", hash };
  return { kind: "rsa-pss", hash };
}

/** OpenPGP hash algorithm ids (RFC 4880 §9.4) allowed on signatures: SHA-256, SHA-384, SHA-512. */
export const allowedPgpHashIds: ReadonlyMap<number, HashAlgorithm> = new Map([
  [8, "sha256"],
  [9, "sha384"],
  [10, "sha512"],
]);

/** Names for OpenPGP hash ids, for messages. */
export const pgpHashNames: ReadonlyMap<number, string> = new Map([
  [1, "MD5"],
  [2, "SHA-1"],
  [3, "RIPEMD-160"],
  [8, "SHA-256"],
  [9, "SHA-384"],
  [10, "SHA-512"],
  [11, "SHA-224"],
  [12, "SHA3-256"],
  [14, "SHA3-512"],
]);
