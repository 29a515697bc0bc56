/**
 * @module attest/errors
 *
 * The closed list of reasons an attestation can fail to verify (or a signature
 * can fail to be made), each with a short fixed message, in the manner of
 * jose's `JOSEError.code` and sigstore's `VerificationError`: callers branch on
 * the `code`, never on message text, and humans read the `detail`.
 *
 * Verification never throws for a bad attestation; it returns an
 * {@link AttestationFailure} per signature. Errors are thrown only for bad
 * configuration (a trusted key that cannot be used) and by the signing
 * helpers, as {@link AttestationError}, which is a {@link ScribaError} so every
 * edge maps it to a client-facing status without turning it into INTERNAL.
 */
import { type ErrorCode, ScribaError } from "../errors.js";

/** Why an attestation signature did not count, or why a key or signature could not be used. */
export type AttestationFailureCode =
  /** The attestation carries nothing to verify. */
  | "NO_SIGNATURES"
  /** The image under review has no digest, so nothing can be bound to it. */
  | "IMAGE_NOT_PINNED"
  /** The key id hint, or the key that made the signature, is not one of the trusted keys. */
  | "KEY_UNKNOWN"
  /** The trusted key (or the subkey that signed) has expired, or is not valid yet. */
  | "KEY_EXPIRED"
  /** The trusted key (or the subkey that signed) has been revoked. */
  | "KEY_REVOKED"
  /** The key is smaller than the allow-list permits (RSA below 2048 bits). */
  | "KEY_TOO_WEAK"
  /** The trusted key material cannot be read, or contradicts its configuration. */
  | "KEY_MALFORMED"
  /** The key type, curve, hash or signature algorithm is not on the allow-list. */
  | "ALGORITHM_NOT_ALLOWED"
  /** The signature bytes cannot be read as a signature of the expected kind. */
  | "SIGNATURE_MALFORMED"
  /** The signature does not verify with the trusted key. */
  | "SIGNATURE_INVALID"
  /** A signed token (JWT) is past its `exp` or before its `nbf`. */
  | "ATTESTATION_EXPIRED"
  /** The verified payload is not well formed for its kind. */
  | "PAYLOAD_MALFORMED"
  /** The verified payload (or DSSE payloadType) is of a kind this verifier does not accept. */
  | "PAYLOAD_TYPE_UNSUPPORTED"
  /** The verified payload names a different image digest. */
  | "DIGEST_MISMATCH"
  /** The verified payload names a different repository. */
  | "REPOSITORY_MISMATCH"
  /** Signing: the `gpg` binary cannot be run. */
  | "GPG_UNAVAILABLE"
  /** Signing: the signing key is not in the keyring, or is not a usable private key. */
  | "SIGNING_KEY_UNKNOWN"
  /** Signing: the signer failed for another reason. */
  | "SIGNING_FAILED";

const messages: Record<AttestationFailureCode, string> = {
  NO_SIGNATURES: "the attestation has no signatures",
  IMAGE_NOT_PINNED: "the image is not pinned by digest",
  KEY_UNKNOWN: "no trusted key matches the signature",
  KEY_EXPIRED: "the signing key has expired",
  KEY_REVOKED: "the signing key has been revoked",
  KEY_TOO_WEAK: "the key is too weak",
  KEY_MALFORMED: "the key cannot be used",
  ALGORITHM_NOT_ALLOWED: "the algorithm is not allowed",
  SIGNATURE_MALFORMED: "the signature cannot be read",
  SIGNATURE_INVALID: "the signature does not verify",
  ATTESTATION_EXPIRED: "the attestation is outside its validity period",
  PAYLOAD_MALFORMED: "the signed payload is malformed",
  PAYLOAD_TYPE_UNSUPPORTED: "the signed payload is of an unsupported type",
  DIGEST_MISMATCH: "the signed payload names another image digest",
  REPOSITORY_MISMATCH: "the signed payload names another repository",
  GPG_UNAVAILABLE: "gpg cannot be run",
  SIGNING_KEY_UNKNOWN: "the signing key is not available",
  SIGNING_FAILED: "signing failed",
};

/** How each reason surfaces when it is thrown (configuration and signing, not verification results). */
const statusCodes: Record<AttestationFailureCode, ErrorCode> = {
  NO_SIGNATURES: "PERMISSION_DENIED",
  IMAGE_NOT_PINNED: "INVALID_ARGUMENT",
  KEY_UNKNOWN: "PERMISSION_DENIED",
  KEY_EXPIRED: "PERMISSION_DENIED",
  KEY_REVOKED: "PERMISSION_DENIED",
  KEY_TOO_WEAK: "INVALID_ARGUMENT",
  KEY_MALFORMED: "INVALID_ARGUMENT",
  ALGORITHM_NOT_ALLOWED: "INVALID_ARGUMENT",
  SIGNATURE_MALFORMED: "INVALID_ARGUMENT",
  SIGNATURE_INVALID: "PERMISSION_DENIED",
  ATTESTATION_EXPIRED: "PERMISSION_DENIED",
  PAYLOAD_MALFORMED: "INVALID_ARGUMENT",
  PAYLOAD_TYPE_UNSUPPORTED: "INVALID_ARGUMENT",
  DIGEST_MISMATCH: "PERMISSION_DENIED",
  REPOSITORY_MISMATCH: "PERMISSION_DENIED",
  GPG_UNAVAILABLE: "FAILED_PRECONDITION",
  SIGNING_KEY_UNKNOWN: "FAILED_PRECONDITION",
  SIGNING_FAILED: "FAILED_PRECONDITION",
};

/** Every code, in declaration order (for documentation and exhaustive tests). */
export const attestationFailureCodes = Object.keys(messages) as readonly AttestationFailureCode[];

/** One reason, with its fixed message and a human-readable detail. */
export interface AttestationFailure {
  readonly code: AttestationFailureCode;
  /** Fixed per code. */
  readonly message: string;
  /** Says which key, digest, repository or field; never secret material. */
  readonly detail: string;
}

export function failure(code: AttestationFailureCode, detail: string): AttestationFailure {
  return { code, message: messages[code], detail };
}

/** The fixed message of a code. */
export function messageOf(code: AttestationFailureCode): string {
  return messages[code];
}

/**
 * A thrown attestation failure: bad trusted-key configuration or a signing
 * problem. `reason` is the attestation code; `code` (inherited) is the
 * canonical status the edges report.
 */
export class AttestationError extends ScribaError {
  readonly reason: AttestationFailureCode;
  readonly detail: string;

  constructor(reason: AttestationFailureCode, detail: string, options: { cause?: unknown } = {}) {
    super(statusCodes[reason], `${messages[reason]}: ${detail}`, options);
    this.reason = reason;
    this.detail = detail;
  }

  /** The same failure as a verification result would carry it. */
  get failure(): AttestationFailure {
    return failure(this.reason, this.detail);
  }
}

/** Passes an AttestationError's failure through; anything else becomes the given fallback. */
export function failureFrom(
  error: unknown,
  fallback: AttestationFailureCode,
  detail: string,
): AttestationFailure {
  return error instanceof AttestationError ? error.failure : failure(fallback, detail);
}
