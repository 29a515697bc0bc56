/**
 * @module attest/pkix-verifier
 *
 * Verifies a detached signature over explicit bytes with a trusted PKIX key,
 * using node:crypto only, for each scheme the key allows (./algorithms.ts):
 *
 * - ECDSA signatures in ASN.1 DER (Kritis, cosign, openssl) or raw IEEE P1363
 *   `r||s` (JOSE style); both encode the same values, so trying both admits
 *   nothing a single encoding would not;
 * - RSA PKCS#1 v1.5, and RSA-PSS with any salt length (salt = digest length,
 *   as Binary Authorization signs, included);
 * - Ed25519.
 */
import { constants, verify } from "node:crypto";
import { type PkixScheme, schemeName } from "./algorithms.js";
import { type AttestationFailure, failure } from "./errors.js";
import type { TrustedPkixKey } from "./trusted-key.js";

export type PkixVerification =
  | { readonly ok: true; readonly scheme: PkixScheme; readonly algorithm: string }
  | { readonly ok: false; readonly failure: AttestationFailure };

const p1363Lengths: Record<string, number> = { "P-256": 64, "P-384": 96, "P-521": 132 };

function verifies(run: () => boolean): boolean {
  try {
    return run();
  } catch {
    // node:crypto throws on signatures it cannot decode; that is a failed verification.
    return false;
  }
}

function verifyWith(key: TrustedPkixKey, scheme: PkixScheme, data: Uint8Array, signature: Uint8Array): boolean {
  switch (scheme.kind) {
    case "ed25519":
      return verifies(() => verify(null, data, key.publicKey, signature));
    case "rsa-pkcs1":
      return verifies(() =>
        verify(scheme.hash, data, { key: key.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature),
      );
    case "rsa-pss":
      return verifies(() =>
        verify(
          scheme.hash,
          data,
          { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO },
          signature,
        ),
      );
    case "ecdsa":
      return (
        verifies(() => verify(scheme.hash, data, { key: key.publicKey, dsaEncoding: "der" }, signature)) ||
        (signature.length === p1363Lengths[scheme.curve] &&
          verifies(() => verify(scheme.hash, data, { key: key.publicKey, dsaEncoding: "ieee-p1363" }, signature)))
      );
  }
}

/** Verifies `signature` over `data` with the key; SIGNATURE_INVALID unless one allowed scheme verifies. */
export function verifyPkixSignature(key: TrustedPkixKey, data: Uint8Array, signature: Uint8Array): PkixVerification {
  const bits = key.shape.type === "rsa" ? key.shape.modulusBits : undefined;
  if (signature.length === 0) return { ok: false, failure: failure("SIGNATURE_MALFORMED", "the signature is empty") };
  for (const scheme of key.schemes) {
    if (verifyWith(key, scheme, data, signature)) return { ok: true, scheme, algorithm: schemeName(scheme, bits) };
  }
  const allowed = key.schemes.map((scheme) => schemeName(scheme, bits)).join(", ");
  return {
    ok: false,
    failure: failure("SIGNATURE_INVALID", `no ${allowed} signature by ${key.description} key ${key.id} verifies`),
  };
}
