/**
 * @module attest/verify-attestation
 *
 * The top-level entry points, one per way an attestation is stored:
 *
 * - {@link verifyAttestationOccurrence}: grafeas.v1 `AttestationOccurrence`
 *   (`serialized_payload` + `signatures[]`, and `jwts[]`). Each signature must
 *   verify over `serialized_payload` itself; an attached PGP payload is never
 *   trusted on its own (grafeas.v1 `Signature`: "verifiers MUST ignore any
 *   attached payload"), it must equal `serialized_payload`.
 * - {@link verifyDsseAttestationOccurrence}: the deprecated
 *   `DSSEAttestationOccurrence` (its `envelope`; `statement` is ignored, it is
 *   not signed).
 * - {@link verifyPgpSignedAttestation}: v1alpha1/v1beta1 `pgpSignedAttestation
 *   {signature, pgpKeyId, contentType}`, where `signature` is the armored
 *   signed message (clearsigned as in the 2017 tutorial, or `gpg --armor
 *   --sign` as in Kritis) or base64 of it, and the signed content is the payload.
 *
 * Principles (after sigstore-js and jose): trust material comes in as data;
 * nothing here touches the network or the file system; a payload is read only
 * after its signature verified, and only verified bytes are returned; every
 * verified payload must name the image under review (digest, and repository
 * where the payload names one); every failure carries a code from a closed list.
 */
import type { ImageReference } from "../image/image-reference.js";
import { type AttestationFailure, failure } from "./errors.js";
import { type EnvelopeInput, verifyDsseEnvelope } from "./dsse.js";
import { bindPayloadToImage, requirePinned } from "./image-binding.js";
import { verifyJwt } from "./jwt-verifier.js";
import { type PayloadResult, readJwtClaims, readVerifiedPayload } from "./payload.js";
import { armoredTextOf } from "./pgp-container.js";
import { verifyPgpSignature } from "./pgp-verifier.js";
import { verifyDetachedSignature } from "./signature-verifier.js";
import { type TrustedKey, type TrustedPgpKey, keysForHint } from "./trusted-key.js";
import {
  type AttestationVerification,
  type SignatureFormat,
  type SignatureResult,
  summarise,
} from "./verification-result.js";

export interface VerifyOptions {
  /** The time keys and tokens must be valid at; defaults to now. */
  readonly now?: Date | undefined;
}

/** The fields of grafeas.v1 AttestationOccurrence the verifier reads (the generated type fits). */
export interface AttestationOccurrenceInput {
  readonly serializedPayload?: Uint8Array | undefined;
  readonly signatures?: readonly { readonly signature: Uint8Array; readonly publicKeyId: string }[] | undefined;
  readonly jwts?: readonly { readonly compactJwt: string }[] | undefined;
}

/** v1alpha1 / v1beta1 `PgpSignedAttestation`. */
export interface PgpSignedAttestationInput {
  /** Armored signed message, or base64 of it (the tutorial uploads `base64 signature.gpg`). */
  readonly signature: string;
  readonly pgpKeyId?: string | undefined;
  /** Informational only (`SIMPLE_SIGNING_JSON`, `application/vnd.gcr.image.url.v1`, …): the payload's kind is read from the verified bytes. */
  readonly contentType?: string | number | undefined;
}

interface Verified {
  readonly format: SignatureFormat;
  readonly keyId: string;
  readonly signer: string;
  readonly algorithm: string;
}

function bound(
  source: string,
  keyIdHint: string,
  verified: Verified,
  read: PayloadResult,
  image: ImageReference,
): SignatureResult {
  const reject = (reason: AttestationFailure): SignatureResult => ({
    ok: false,
    source,
    format: verified.format,
    keyIdHint,
    failure: reason,
  });
  if (!read.ok) return reject(read.failure);
  const mismatch = bindPayloadToImage(read.payload, image);
  if (mismatch) return reject(mismatch);
  return { ok: true, source, ...verified, payload: read.payload };
}

/** Verifies a grafeas.v1 AttestationOccurrence for the image under review. */
export async function verifyAttestationOccurrence(
  attestation: AttestationOccurrenceInput,
  image: ImageReference,
  keys: readonly TrustedKey[],
  options: VerifyOptions = {},
): Promise<AttestationVerification> {
  const pinned = requirePinned(image);
  if (!pinned.ok) return { verified: false, image: undefined, results: [], failure: pinned.failure };
  const payload = attestation.serializedPayload ?? new Uint8Array();
  const results: SignatureResult[] = [];

  for (const [index, signature] of (attestation.signatures ?? []).entries()) {
    const source = `signatures[${index}]`;
    const keyIdHint = signature.publicKeyId;
    if (payload.length === 0) {
      results.push({
        ok: false,
        source,
        keyIdHint,
        failure: failure("PAYLOAD_MALFORMED", "serialized_payload is empty; attached payloads are not trusted"),
      });
      continue;
    }
    const checked = await verifyDetachedSignature({ signature: signature.signature, keyIdHint, payload }, keys, options);
    if (!checked.ok) {
      results.push({ ok: false, source, format: checked.format, keyIdHint, failure: checked.failure });
      continue;
    }
    results.push(bound(source, keyIdHint, checked, readVerifiedPayload(checked.payload), image));
  }

  for (const [index, jwt] of (attestation.jwts ?? []).entries()) {
    const source = `jwts[${index}]`;
    const checked = await verifyJwt(jwt.compactJwt, keys, options);
    if (!checked.ok) {
      results.push({ ok: false, source, format: "jwt", keyIdHint: "", failure: checked.failure });
      continue;
    }
    const verified: Verified = { format: "jwt", keyId: checked.key.id, signer: checked.key.id, algorithm: checked.algorithm };
    results.push(bound(source, checked.key.id, verified, readJwtClaims(checked.payload, checked.claims), image));
  }
  return summarise(pinned.pinned, results, failure("NO_SIGNATURES", "the occurrence has no signatures and no JWTs"));
}

/** Verifies the envelope of a (deprecated) grafeas.v1 DSSEAttestationOccurrence. */
export async function verifyDsseAttestationOccurrence(
  occurrence: { readonly envelope?: EnvelopeInput | undefined },
  image: ImageReference,
  keys: readonly TrustedKey[],
  options: VerifyOptions = {},
): Promise<AttestationVerification> {
  if (occurrence.envelope === undefined) {
    const pinned = requirePinned(image);
    return {
      verified: false,
      image: pinned.ok ? pinned.pinned : undefined,
      results: [],
      failure: pinned.ok ? failure("NO_SIGNATURES", "the occurrence has no envelope") : pinned.failure,
    };
  }
  return verifyDsseEnvelope(occurrence.envelope, image, keys, options);
}

/** The armored text or binary PGP data of a v1alpha1/v1beta1 `signature` field. */
function legacySignatureBytes(signature: string): string | Uint8Array {
  const armored = armoredTextOf(signature);
  if (armored !== undefined) return armored;
  const decoded = Buffer.from(signature.replace(/\s+/g, ""), "base64");
  return armoredTextOf(decoded) ?? decoded;
}

/** Verifies a v1alpha1/v1beta1 PgpSignedAttestation (the seed tutorial's format) for the image. */
export async function verifyPgpSignedAttestation(
  attestation: PgpSignedAttestationInput,
  image: ImageReference,
  keys: readonly TrustedKey[],
  options: VerifyOptions = {},
): Promise<AttestationVerification> {
  const pinned = requirePinned(image);
  if (!pinned.ok) return { verified: false, image: undefined, results: [], failure: pinned.failure };
  const source = "pgpSignedAttestation";
  const keyIdHint = attestation.pgpKeyId ?? "";
  const reject = (reason: AttestationFailure, format?: SignatureFormat): AttestationVerification =>
    summarise(pinned.pinned, [{ ok: false, source, format, keyIdHint, failure: reason }], reason);

  if (attestation.signature.trim() === "") return reject(failure("NO_SIGNATURES", "the signature is empty"));
  if (keyIdHint.trim() === "") return reject(failure("KEY_UNKNOWN", "the attestation names no pgpKeyId"));
  const candidates = keysForHint(keys, keyIdHint).filter((k): k is TrustedPgpKey => k.kind === "pgp");
  if (candidates.length === 0) return reject(failure("KEY_UNKNOWN", `pgpKeyId ${keyIdHint} names no trusted PGP key`));

  const checked = await verifyPgpSignature(legacySignatureBytes(attestation.signature), candidates, options);
  if (!checked.ok) return reject(checked.failure, checked.format);
  const verified: Verified = {
    format: checked.format,
    keyId: checked.key.id,
    signer: checked.signerFingerprint,
    algorithm: `pgp-${checked.hash}`,
  };
  const result = bound(source, keyIdHint, verified, readVerifiedPayload(checked.payload), image);
  return summarise(pinned.pinned, [result], failure("NO_SIGNATURES", "the attestation has no signature"));
}
