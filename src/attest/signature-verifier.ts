/**
 * @module attest/signature-verifier
 *
 * The one verifier interface behind every format: a signature, the key id
 * hint it carries, and the explicit bytes it must cover. The hint selects the
 * trusted keys (grafeas.v1 `Signature.public_key_id`: "MUST reject if the id
 * is unknown"); the key type selects the per-format verifier (PGP or PKIX).
 * Returns the verified bytes, never anything unverified.
 */
import { type AttestationFailure, failure } from "./errors.js";
import { verifyPgpSignature } from "./pgp-verifier.js";
import { verifyPkixSignature } from "./pkix-verifier.js";
import { type TrustedKey, type TrustedPgpKey, type TrustedPkixKey, keysForHint } from "./trusted-key.js";
import type { SignatureFormat } from "./verification-result.js";

export interface DetachedVerification {
  readonly ok: true;
  readonly format: SignatureFormat;
  readonly keyId: string;
  readonly signer: string;
  readonly algorithm: string;
  /** The verified bytes: the explicit payload (or, for cleartext PGP, the text exactly as signed). */
  readonly payload: Uint8Array;
}

export type SignatureVerification =
  | DetachedVerification
  | { readonly ok: false; readonly format?: SignatureFormat | undefined; readonly failure: AttestationFailure };

export interface DetachedSignatureInput {
  readonly signature: Uint8Array;
  /** The key id hint; required unless `hintOptional` (DSSE `keyid` is optional by that spec). */
  readonly keyIdHint: string;
  /** The bytes the signature must cover. */
  readonly payload: Uint8Array;
}

/** Verifies a signature over explicit bytes with the trusted keys its hint names. */
export async function verifyDetachedSignature(
  input: DetachedSignatureInput,
  keys: readonly TrustedKey[],
  options: { readonly now?: Date | undefined; readonly hintOptional?: boolean | undefined } = {},
): Promise<SignatureVerification> {
  const hint = input.keyIdHint.trim();
  if (hint === "" && !options.hintOptional) {
    return { ok: false, failure: failure("KEY_UNKNOWN", "the signature names no key id") };
  }
  const candidates = hint === "" ? [...keys] : keysForHint(keys, hint);
  if (candidates.length === 0) {
    return { ok: false, failure: failure("KEY_UNKNOWN", `key id ${hint} names no trusted key`) };
  }
  const pgpKeys = candidates.filter((k): k is TrustedPgpKey => k.kind === "pgp");
  const pkixKeys = candidates.filter((k): k is TrustedPkixKey => k.kind === "pkix");

  let firstFailure: SignatureVerification | undefined;
  for (const key of pkixKeys) {
    const result = verifyPkixSignature(key, input.payload, input.signature);
    if (result.ok) {
      return { ok: true, format: "pkix", keyId: key.id, signer: key.id, algorithm: result.algorithm, payload: input.payload };
    }
    firstFailure ??= { ok: false, format: "pkix", failure: result.failure };
  }
  if (pgpKeys.length > 0 && (firstFailure === undefined || looksLikePgp(input.signature))) {
    const result = await verifyPgpSignature(input.signature, pgpKeys, { payload: input.payload, now: options.now });
    if (result.ok) {
      return {
        ok: true,
        format: result.format,
        keyId: result.key.id,
        signer: result.signerFingerprint,
        algorithm: `pgp-${result.hash}`,
        payload: result.payload,
      };
    }
    return { ok: false, format: result.format, failure: result.failure };
  }
  return firstFailure!;
}

/** Armored text or an OpenPGP packet header: worth handing to the PGP verifier. */
function looksLikePgp(signature: Uint8Array): boolean {
  const first = signature[0];
  return first !== undefined && ((first & 0x80) !== 0 || Buffer.from(signature.subarray(0, 64)).toString("latin1").includes("-----BEGIN PGP"));
}
