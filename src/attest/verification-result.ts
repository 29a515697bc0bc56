/**
 * @module attest/verification-result
 *
 * What every verifier entry point returns: one result per signature (or JWT),
 * and an overall `verified` that is true only when at least one signature
 * both verifies with a trusted key and names the image under review, as the
 * grafeas.v1 AttestationOccurrence comment asks ("verified if at least one
 * signature verifies").
 */
import type { AttestationFailure } from "./errors.js";
import type { VerifiedPayload } from "./payload.js";
import type { PgpSignatureFormat } from "./pgp-container.js";

export type SignatureFormat = PgpSignatureFormat | "pkix" | "jwt";

export interface VerifiedSignature {
  readonly ok: true;
  /** Where the signature sits in the input: `signatures[0]`, `jwts[1]`, `envelope.signatures[0]`, `pgpSignedAttestation`. */
  readonly source: string;
  readonly format: SignatureFormat;
  /** The id of the trusted key that verified it (PGP: primary fingerprint; PKIX: configured or ni:/// id). */
  readonly keyId: string;
  /** Who signed: the PGP (sub)key fingerprint, or the PKIX key id. */
  readonly signer: string;
  /** E.g. `ecdsa-p256-sha256`, `rsa-pss-3072-sha256`, `ES256`, `pgp-sha512`. */
  readonly algorithm: string;
  /** The verified payload, already bound to the image. */
  readonly payload: VerifiedPayload;
}

export interface RejectedSignature {
  readonly ok: false;
  readonly source: string;
  readonly format?: SignatureFormat | undefined;
  /** The key id hint the signature carried (may be empty). */
  readonly keyIdHint: string;
  readonly failure: AttestationFailure;
}

export type SignatureResult = VerifiedSignature | RejectedSignature;

export interface AttestationVerification {
  /** True when at least one signature verified with a trusted key and names this image. */
  readonly verified: boolean;
  /** The image under review, pinned (`registry/repository@digest`), when it has a digest. */
  readonly image: string | undefined;
  readonly results: readonly SignatureResult[];
  /**
   * When not verified: NO_SIGNATURES or IMAGE_NOT_PINNED if nothing could be
   * tried, otherwise the first signature's failure. Undefined when verified.
   */
  readonly failure?: AttestationFailure | undefined;
}

/** Folds per-signature results into the overall verdict. */
export function summarise(image: string | undefined, results: readonly SignatureResult[], noneFailure: AttestationFailure): AttestationVerification {
  if (results.some((r) => r.ok)) return { verified: true, image, results };
  const first = results.find((r): r is RejectedSignature => !r.ok);
  return { verified: false, image, results, failure: first?.failure ?? noneFailure };
}
