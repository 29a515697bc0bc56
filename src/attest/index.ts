/**
 * @module attest
 *
 * Offline, strict verification of container-image attestations in every
 * common format, and the signing helpers behind `scriba sign` and the
 * webhook's attest-on-pass.
 *
 * Principles (after sigstore-js and jose):
 * - Trust material is passed in as data ({@link createTrustedKeys}); the
 *   verifier reads no files and never touches the network.
 * - Verify before parse: a payload is read only after its signature verified,
 *   and only verified bytes are returned.
 * - Every signature is bound to the image under review: the verified payload
 *   must name the image's digest, and its repository wherever it names one,
 *   compared after normalisation (`nginx` ≡ `docker.io/library/nginx`).
 * - One algorithm allow-list (./algorithms.ts): RSA ≥ 2048 (PKCS#1 v1.5, PSS),
 *   ECDSA P-256/P-384/P-521 with their SHA-2 hashes, Ed25519; no SHA-1, no DSA.
 * - Every failure carries a code from a closed list with a fixed message and
 *   a human `detail` (./errors.ts).
 */
export {
  type AttestationFailure,
  type AttestationFailureCode,
  AttestationError,
  attestationFailureCodes,
  messageOf,
} from "./errors.js";
export {
  type EcCurve,
  type HashAlgorithm,
  type JwsAlgorithm,
  type PkixScheme,
  allowedJwsAlgorithms,
  minimumRsaBits,
  namedSignatureAlgorithmSpellings,
  namedSignatureAlgorithms,
  parseSignatureAlgorithm,
  pkixKeyShape,
  schemeName,
  schemesForKey,
} from "./algorithms.js";
export { type PgpKeyIdHint, parsePgpKeyId, pgpKeyIdMatches } from "./pgp-key-id.js";
export {
  type PgpTrustedKeyInput,
  type PkixTrustedKeyInput,
  type TrustedKey,
  type TrustedKeyInput,
  type TrustedPgpKey,
  type TrustedPkixKey,
  createTrustedKeys,
  keysForHint,
  niKeyId,
  parseTrustedKey,
} from "./trusted-key.js";
export {
  type ExpectedPayload,
  type InTotoStatementPayload,
  type PayloadKind,
  type PayloadSubject,
  type SimpleSigningPayload,
  type VerifiedPayload,
  inTotoStatementTypes,
  simpleSigningTypes,
} from "./payload.js";
export { bindPayloadToImage } from "./image-binding.js";
export type { PgpSignatureFormat } from "./pgp-container.js";
export { type PgpVerification, verifyPgpSignature } from "./pgp-verifier.js";
export { type PkixVerification, verifyPkixSignature } from "./pkix-verifier.js";
export { type JwtVerification, verifyJwt } from "./jwt-verifier.js";
export {
  type EnvelopeInput,
  envelopeFromJson,
  envelopeToJson,
  inTotoPayloadType,
  preAuthenticationEncoding,
  simpleSigningPayloadType,
  verifyDsseEnvelope,
} from "./dsse.js";
export {
  type DetachedSignatureInput,
  type SignatureVerification,
  verifyDetachedSignature,
} from "./signature-verifier.js";
export type {
  AttestationVerification,
  RejectedSignature,
  SignatureFormat,
  SignatureResult,
  VerifiedSignature,
} from "./verification-result.js";
export {
  type AttestationOccurrenceInput,
  type PgpSignedAttestationInput,
  type VerifyOptions,
  verifyAttestationOccurrence,
  verifyDsseAttestationOccurrence,
  verifyPgpSignedAttestation,
} from "./verify-attestation.js";
export { isAttestationOccurrence, verifyOccurrenceAttestation } from "./verify-occurrence.js";
export {
  type InTotoStatementOptions,
  type SimpleSigningOptions,
  digestTextPayload,
  inTotoStatementPayload,
  simpleSigningPayload,
} from "./signing-payloads.js";
export { type PkixSignOptions, type PkixSignature, signDsseEnvelope, signWithPrivateKey } from "./pkix-signer.js";
export {
  type GpgOptions,
  type GpgSignMode,
  type GpgSignOptions,
  type GpgSignature,
  gpgSecretKeyFingerprint,
  gpgSign,
} from "./gpg-signer.js";
export {
  type PgpSignOptions,
  type PgpSignature,
  type PgpSigningKey,
  isPublicHalfOf,
  readPgpSigningKey,
  signWithPgpKey,
} from "./pgp-signer.js";
