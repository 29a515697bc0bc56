/**
 * @module attest/pkix-signer
 *
 * Signs bytes with a PEM private key through node:crypto, within the same
 * allow-list the verifier enforces: ECDSA (DER signature, the curve's own
 * hash), RSA PKCS#1 v1.5 or PSS (salt length = digest length, as Binary
 * Authorization signs), Ed25519. Returns the signature and the key id the
 * verifier will look the key up by (`ni:///sha-256;…` unless one is given).
 */
import { type KeyObject, constants, createPrivateKey, createPublicKey, sign } from "node:crypto";
import {
  type PkixScheme,
  curveHashes,
  parseSignatureAlgorithm,
  pkixKeyShape,
  schemeName,
  schemesForKey,
} from "./algorithms.js";
import { AttestationError } from "./errors.js";
import { type EnvelopeInput, preAuthenticationEncoding } from "./dsse.js";
import { niKeyId } from "./trusted-key.js";

export interface PkixSignOptions {
  /** A Binary Authorization / Kritis name; defaults to the key's natural scheme (RSA: PKCS#1 v1.5 SHA-256). */
  readonly signatureAlgorithm?: string | undefined;
  /** The key id to report; defaults to the derived `ni:///sha-256;…`. */
  readonly keyId?: string | undefined;
  /** For encrypted PEM keys. */
  readonly passphrase?: string | undefined;
}

export interface PkixSignature {
  readonly signature: Uint8Array;
  readonly keyId: string;
  /** The scheme used, by its Binary Authorization name. */
  readonly algorithm: string;
}

function readPrivateKey(pem: string, passphrase: string | undefined): KeyObject {
  try {
    return createPrivateKey(passphrase === undefined ? { key: pem, format: "pem" } : { key: pem, format: "pem", passphrase });
  } catch (error) {
    throw new AttestationError("SIGNING_KEY_UNKNOWN", "the PEM private key cannot be read", { cause: error });
  }
}

function defaultScheme(schemes: readonly PkixScheme[]): PkixScheme {
  return schemes.find((s) => s.kind === "rsa-pkcs1" && s.hash === "sha256") ?? schemes[0]!;
}

/** Signs `data` with a PEM private key. */
export function signWithPrivateKey(privateKeyPem: string, data: Uint8Array, options: PkixSignOptions = {}): PkixSignature {
  const privateKey = readPrivateKey(privateKeyPem, options.passphrase);
  const publicKey = createPublicKey(privateKey);
  const shape = pkixKeyShape(publicKey);
  const named = options.signatureAlgorithm ? parseSignatureAlgorithm(options.signatureAlgorithm) : undefined;
  const scheme = defaultScheme(schemesForKey(shape, named));
  let signature: Buffer;
  switch (scheme.kind) {
    case "ed25519":
      signature = sign(null, data, privateKey);
      break;
    case "ecdsa":
      signature = sign(curveHashes[scheme.curve], data, { key: privateKey, dsaEncoding: "der" });
      break;
    case "rsa-pkcs1":
      signature = sign(scheme.hash, data, { key: privateKey, padding: constants.RSA_PKCS1_PADDING });
      break;
    case "rsa-pss":
      signature = sign(scheme.hash, data, {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      });
      break;
  }
  return {
    signature,
    keyId: options.keyId ?? niKeyId(publicKey.export({ type: "spki", format: "der" })),
    algorithm: schemeName(scheme, shape.type === "rsa" ? shape.modulusBits : undefined),
  };
}

/** Signs a DSSE envelope (over its pre-authentication encoding) with a PEM private key. */
export function signDsseEnvelope(
  payload: Uint8Array,
  payloadType: string,
  privateKeyPem: string,
  options: PkixSignOptions = {},
): EnvelopeInput & { readonly keyId: string } {
  const signed = signWithPrivateKey(privateKeyPem, preAuthenticationEncoding(payloadType, payload), options);
  return { payload, payloadType, signatures: [{ sig: signed.signature, keyid: signed.keyId }], keyId: signed.keyId };
}
