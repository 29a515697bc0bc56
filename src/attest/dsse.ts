/**
 * @module attest/dsse
 *
 * DSSE envelopes (grafeas.v1 `Envelope`, and the deprecated
 * `DSSEAttestationOccurrence`): each signature covers the pre-authentication
 * encoding `"DSSEv1" SP len(type) SP type SP len(body) SP body` (lengths in
 * bytes, ASCII decimal), as in secure-systems-lab/dsse and sigstore-js'
 * `packages/core/src/dsse.ts`. The payload type is therefore signed too.
 *
 * Accepted payload types, read only after a signature verified:
 * `application/vnd.in-toto+json` (in-toto Statement v0.1/v1) and
 * `application/vnd.dev.cosign.simplesigning.v1+json` (simple signing).
 */
import type { ImageReference } from "../image/image-reference.js";
import { AttestationError, failure } from "./errors.js";
import { bindPayloadToImage, requirePinned } from "./image-binding.js";
import { type ExpectedPayload, readVerifiedPayload } from "./payload.js";
import { verifyDetachedSignature } from "./signature-verifier.js";
import type { TrustedKey } from "./trusted-key.js";
import { type AttestationVerification, type SignatureResult, summarise } from "./verification-result.js";

export const inTotoPayloadType = "application/vnd.in-toto+json";
export const simpleSigningPayloadType = "application/vnd.dev.cosign.simplesigning.v1+json";

const payloadTypes: ReadonlyMap<string, ExpectedPayload> = new Map([
  [inTotoPayloadType, "in-toto-statement"],
  [simpleSigningPayloadType, "simple-signing"],
]);

/** The fields of grafeas.v1 Envelope (and the DSSE envelope) the verifier reads. */
export interface EnvelopeInput {
  readonly payload: Uint8Array;
  readonly payloadType: string;
  readonly signatures: readonly { readonly sig: Uint8Array; readonly keyid: string }[];
}

/** DSSE v1 pre-authentication encoding. */
export function preAuthenticationEncoding(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, "utf8");
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, "utf8"),
    type,
    Buffer.from(` ${payload.length} `, "utf8"),
    payload,
  ]);
}

/** Reads the DSSE JSON form `{payload, payloadType, signatures:[{keyid, sig}]}` (base64 fields). */
export function envelopeFromJson(json: string): EnvelopeInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new AttestationError("SIGNATURE_MALFORMED", "the DSSE envelope is not JSON");
  }
  const record = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const { payload, payloadType, signatures } = record;
  if (typeof payload !== "string" || typeof payloadType !== "string" || !Array.isArray(signatures)) {
    throw new AttestationError("SIGNATURE_MALFORMED", "the DSSE envelope needs payload, payloadType and signatures");
  }
  return {
    payload: Buffer.from(payload, "base64"),
    payloadType,
    signatures: signatures.map((entry: unknown, index) => {
      const s = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
      if (typeof s["sig"] !== "string") {
        throw new AttestationError("SIGNATURE_MALFORMED", `DSSE signatures[${index}] has no sig`);
      }
      return { sig: Buffer.from(s["sig"], "base64"), keyid: typeof s["keyid"] === "string" ? s["keyid"] : "" };
    }),
  };
}

/** Serialises an envelope in the DSSE JSON form. */
export function envelopeToJson(envelope: EnvelopeInput): string {
  return JSON.stringify({
    payloadType: envelope.payloadType,
    payload: Buffer.from(envelope.payload).toString("base64"),
    signatures: envelope.signatures.map((s) => ({ keyid: s.keyid, sig: Buffer.from(s.sig).toString("base64") })),
  });
}

/**
 * Verifies a DSSE envelope for an image. An empty `keyid` is allowed (DSSE
 * makes it optional) and then every trusted key is tried.
 */
export async function verifyDsseEnvelope(
  envelope: EnvelopeInput,
  image: ImageReference,
  keys: readonly TrustedKey[],
  options: { readonly now?: Date | undefined } = {},
): Promise<AttestationVerification> {
  const pinned = requirePinned(image);
  if (!pinned.ok) return { verified: false, image: undefined, results: [], failure: pinned.failure };
  const pae = preAuthenticationEncoding(envelope.payloadType, envelope.payload);
  const results: SignatureResult[] = [];
  for (const [index, signature] of envelope.signatures.entries()) {
    const source = `envelope.signatures[${index}]`;
    const keyIdHint = signature.keyid;
    const checked = await verifyDetachedSignature({ signature: signature.sig, keyIdHint, payload: pae }, keys, {
      now: options.now,
      hintOptional: true,
    });
    if (!checked.ok) {
      results.push({ ok: false, source, format: checked.format, keyIdHint, failure: checked.failure });
      continue;
    }
    const expected = payloadTypes.get(envelope.payloadType);
    if (expected === undefined) {
      results.push({
        ok: false,
        source,
        format: checked.format,
        keyIdHint,
        failure: failure("PAYLOAD_TYPE_UNSUPPORTED", `DSSE payloadType ${JSON.stringify(envelope.payloadType)} is not accepted`),
      });
      continue;
    }
    const read = readVerifiedPayload(envelope.payload, expected);
    const bindingFailure = read.ok ? bindPayloadToImage(read.payload, image) : read.failure;
    if (!read.ok || bindingFailure) {
      results.push({ ok: false, source, format: checked.format, keyIdHint, failure: bindingFailure! });
      continue;
    }
    results.push({
      ok: true,
      source,
      format: checked.format,
      keyId: checked.keyId,
      signer: checked.signer,
      algorithm: checked.algorithm,
      payload: read.payload,
    });
  }
  return summarise(pinned.pinned, results, failure("NO_SIGNATURES", "the envelope has no signatures"));
}
