/**
 * @module attest/pgp-container
 *
 * Recognises the shapes a PGP signature arrives in, armored or binary:
 *
 * - cleartext-signed text (`gpg --clearsign`; what the 2017 tutorial uploads);
 * - an attached signed message (`gpg --sign`, `gpg --armor --sign`), including
 *   Kritis' variant that wraps the message in a `PGP SIGNATURE` armor header;
 * - a detached signature (`gpg --detach-sign`, with or without `--armor`).
 *
 * Only the container is read here, never the signed content: the verifier
 * looks at the content only after the signature checks out.
 */
import {
  type CleartextMessage,
  type Message,
  type Signature,
  enums,
  readCleartextMessage,
  readMessage,
  readSignature,
  unarmor,
} from "openpgp";
import { AttestationError } from "./errors.js";

export type PgpSignatureFormat = "pgp-cleartext" | "pgp-attached" | "pgp-detached";

export type PgpContainer =
  | { readonly format: "pgp-cleartext"; readonly message: CleartextMessage }
  | { readonly format: "pgp-attached"; readonly message: Message<Uint8Array> }
  | { readonly format: "pgp-detached"; readonly signature: Signature };

const armorStart = "-----BEGIN PGP ";
const cleartextHeader = "-----BEGIN PGP SIGNED MESSAGE-----";
const signatureTag = 2;
const messageTags = new Set([4 /* one-pass signature */, 8 /* compressed */, 11 /* literal */]);

/** The tag of the first OpenPGP packet (RFC 4880 §4.2), or undefined when the bytes are no packet. */
export function firstPacketTag(bytes: Uint8Array): number | undefined {
  const header = bytes[0];
  if (header === undefined || (header & 0x80) === 0) return undefined;
  return (header & 0x40) !== 0 ? header & 0x3f : (header & 0x3c) >> 2;
}

/** The armored text in these bytes, when they are armored (starting at the armor line). */
export function armoredTextOf(input: Uint8Array | string): string | undefined {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("utf8");
  const start = text.indexOf(armorStart);
  return start < 0 ? undefined : text.slice(start);
}

/** Whether the bytes start with a signature or message packet header. */
function isBinaryPgp(bytes: Uint8Array): boolean {
  const tag = firstPacketTag(bytes);
  return tag === signatureTag || (tag !== undefined && messageTags.has(tag));
}

function malformed(detail: string, cause?: unknown): AttestationError {
  return new AttestationError("SIGNATURE_MALFORMED", detail, cause === undefined ? {} : { cause });
}

async function fromBinary(bytes: Uint8Array): Promise<PgpContainer> {
  const tag = firstPacketTag(bytes);
  if (tag === signatureTag) {
    return { format: "pgp-detached", signature: await readSignature({ binarySignature: bytes }) };
  }
  if (tag !== undefined && messageTags.has(tag)) {
    return { format: "pgp-attached", message: await readMessage({ binaryMessage: bytes }) };
  }
  throw malformed(tag === undefined ? "not OpenPGP data" : `OpenPGP packet type ${tag} is not a signature`);
}

/** Reads a PGP signature container; throws SIGNATURE_MALFORMED when it is none of the accepted shapes. */
export async function readPgpContainer(input: Uint8Array | string): Promise<PgpContainer> {
  if (typeof input !== "string" && isBinaryPgp(input)) {
    // The common case (grafeas.v1 signatures are binary): read the packets without decoding them as text first.
    // Should they not parse, the bytes may be text after all (some UTF-8 lead bytes look like packet headers).
    try {
      return await fromBinary(input);
    } catch {
      // fall through to the text reading below
    }
  }
  const armored = armoredTextOf(input);
  try {
    if (armored === undefined) {
      if (typeof input === "string") throw malformed("not armored OpenPGP text");
      return await fromBinary(input);
    }
    if (armored.startsWith(cleartextHeader)) {
      return { format: "pgp-cleartext", message: await readCleartextMessage({ cleartextMessage: armored }) };
    }
    // openpgp types `data` as a web stream; for string input it is a Uint8Array, checked below.
    const { type, data } = (await unarmor(armored)) as { type: enums.armor; data: unknown };
    if (!(data instanceof Uint8Array)) throw malformed("unexpected armored data");
    if (type === enums.armor.message || type === enums.armor.signature) return await fromBinary(data);
    throw malformed("the armored block is not a PGP message or signature");
  } catch (error) {
    if (error instanceof AttestationError) throw error;
    throw malformed("the PGP data cannot be read", error);
  }
}
