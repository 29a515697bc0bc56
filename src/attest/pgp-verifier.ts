/**
 * @module attest/pgp-verifier
 *
 * Verifies OpenPGP signatures (cleartext, attached or detached) against
 * trusted PGP keys with openpgp.js, strictly:
 *
 * 1. Every signature packet must use an allowed hash (SHA-256/384/512; SHA-1
 *    fails with ALGORITHM_NOT_ALLOWED).
 * 2. The key that made it, named by the packet's issuer fingerprint (or its
 *    64-bit issuer key id when no fingerprint is present), must be one of the
 *    candidate trusted keys or one of their subkeys (KEY_UNKNOWN otherwise).
 *    The key id hint on the occurrence only chose the candidates.
 * 3. That key must be allowed (KEY_TOO_WEAK, ALGORITHM_NOT_ALLOWED), not
 *    revoked (KEY_REVOKED) and not expired *now* (KEY_EXPIRED): an admission
 *    decision made today relies on the key today. openpgp.js alone checks
 *    expiry at the signature's creation time. (These answers are memoised per
 *    key and second, see ./pgp-key-validity.ts.)
 * 4. openpgp.js verifies the signature; only then is the signed content
 *    returned. A container with several signatures verifies only if every one
 *    of them does. Cleartext and attached messages go through `openpgp.verify`
 *    with `expectSigned: true`. A detached signature is checked packet by
 *    packet with `SignaturePacket.verify` over the explicit payload, with the
 *    very (sub)key packet its issuer fingerprint named, followed by the check
 *    `openpgp.verify` makes next (the key was a valid signing key when it
 *    signed): the same checks without the stream plumbing `openpgp.verify`
 *    wraps around them (a quarter or more of its cost per signature).
 *
 * When an explicit payload is given (grafeas.v1 `serialized_payload`) the
 * signature must cover exactly those bytes: a detached signature is checked
 * over them, and an attached or cleartext one must carry them as its content.
 */
import { type Signature, type SignaturePacket, createMessage, enums, verify } from "openpgp";
import { type HashAlgorithm, allowedPgpHashIds, pgpHashNames } from "./algorithms.js";
import { type AttestationFailure, AttestationError, failure } from "./errors.js";
import { type PgpContainer, type PgpSignatureFormat, readPgpContainer } from "./pgp-container.js";
import { pgpKeyProblemNow, pgpSigningKey, pgpSigningKeyProblemAt } from "./pgp-key-validity.js";
import type { TrustedPgpKey } from "./trusted-key.js";

export interface PgpVerifyOptions {
  /** The explicit payload the signature must cover (required for detached signatures). */
  readonly payload?: Uint8Array | undefined;
  /** The time keys must be valid at; defaults to now. */
  readonly now?: Date | undefined;
}

export type PgpVerification =
  | {
      readonly ok: true;
      readonly format: PgpSignatureFormat;
      readonly key: TrustedPgpKey;
      /** The fingerprint of the (sub)key that made the signature. */
      readonly signerFingerprint: string;
      readonly hash: HashAlgorithm;
      /** The verified signed bytes (for cleartext: the text as signed, without its final newline). */
      readonly payload: Uint8Array;
    }
  | { readonly ok: false; readonly format?: PgpSignatureFormat | undefined; readonly failure: AttestationFailure };

/** What a signature packet (or one-pass packet) says about itself before verification. */
interface SignatureClaim {
  readonly hashAlgorithm: number | null;
  readonly issuerKeyId: string;
  readonly issuerFingerprint: string | undefined;
}

interface SignerMatch {
  readonly key: TrustedPgpKey;
  readonly fingerprint: string;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex").toUpperCase();

function claimOf(packet: {
  hashAlgorithm: number | null;
  issuerKeyID: { toHex(): string };
  issuerFingerprint?: Uint8Array | null;
}): SignatureClaim {
  return {
    hashAlgorithm: packet.hashAlgorithm,
    issuerKeyId: packet.issuerKeyID.toHex().toUpperCase(),
    issuerFingerprint: packet.issuerFingerprint ? hex(packet.issuerFingerprint) : undefined,
  };
}

function signatureClaims(container: PgpContainer): SignatureClaim[] {
  switch (container.format) {
    case "pgp-cleartext":
      // openpgp's typings omit CleartextMessage.signature, which holds the parsed signature packets.
      return (container.message as unknown as { signature: Signature }).signature.packets.map(claimOf);
    case "pgp-detached":
      return detachedPackets(container.signature).map(claimOf);
    case "pgp-attached": {
      const packets = container.message.unwrapCompressed().packets;
      const onePass = packets.filterByTag(enums.packet.onePassSignature);
      const list = onePass.length > 0 ? onePass : packets.filterByTag(enums.packet.signature);
      return list.map((p) => claimOf(p as unknown as SignaturePacket));
    }
  }
}

/** The signature packets of a detached signature (openpgp.js keeps packets it cannot parse as placeholders). */
function detachedPackets(signature: Signature): SignaturePacket[] {
  return [...signature.packets.filterByTag(enums.packet.signature)];
}

function hashProblem(hashAlgorithm: number | null): AttestationFailure | undefined {
  if (hashAlgorithm !== null && allowedPgpHashIds.has(hashAlgorithm)) return undefined;
  const name = hashAlgorithm === null ? "an unknown hash" : (pgpHashNames.get(hashAlgorithm) ?? `hash #${hashAlgorithm}`);
  return failure("ALGORITHM_NOT_ALLOWED", `the signature is hashed with ${name}; SHA-256, SHA-384 or SHA-512 is required`);
}

function signersOf(claim: SignatureClaim, candidates: readonly TrustedPgpKey[]): SignerMatch[] {
  const matches: SignerMatch[] = [];
  for (const key of candidates) {
    for (const fingerprint of key.keyFingerprints) {
      const same =
        claim.issuerFingerprint !== undefined
          ? fingerprint === claim.issuerFingerprint
          : fingerprint.length === 40 && fingerprint.endsWith(claim.issuerKeyId);
      if (same) matches.push({ key, fingerprint });
    }
  }
  return matches;
}

/** Cleartext signing canonicalises line ends and trailing white space; compare texts the same way. */
export function canonicalText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.replace(/[ \t]+$/, ""))
    .join("\n")
    .replace(/\n+$/, "");
}

function sameContent(format: PgpSignatureFormat, signed: Uint8Array, explicit: Uint8Array): boolean {
  if (format === "pgp-cleartext") {
    return canonicalText(Buffer.from(signed).toString("utf8")) === canonicalText(Buffer.from(explicit).toString("utf8"));
  }
  return Buffer.from(signed).equals(Buffer.from(explicit));
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!.slice(0, 200);
}

/**
 * Verifies a PGP signature container with the candidate trusted keys (those
 * the key id hint named). Returns the verified content, or a failure.
 */
export async function verifyPgpSignature(
  signature: Uint8Array | string,
  candidates: readonly TrustedPgpKey[],
  options: PgpVerifyOptions = {},
): Promise<PgpVerification> {
  const now = options.now ?? new Date();
  let container: PgpContainer;
  try {
    container = await readPgpContainer(signature);
  } catch (error) {
    const reason = error instanceof AttestationError ? error.failure : failure("SIGNATURE_MALFORMED", "unreadable PGP data");
    return { ok: false, failure: reason };
  }
  const format = container.format;
  const fail = (reason: AttestationFailure): PgpVerification => ({ ok: false, format, failure: reason });

  if (format === "pgp-detached" && options.payload === undefined) {
    return fail(failure("SIGNATURE_MALFORMED", "a detached PGP signature needs an explicit payload"));
  }
  const claims = signatureClaims(container);
  if (claims.length === 0) return fail(failure("SIGNATURE_MALFORMED", "the PGP data carries no signature"));

  const signers: SignerMatch[] = [];
  for (const claim of claims) {
    const hashFailure = hashProblem(claim.hashAlgorithm);
    if (hashFailure) return fail(hashFailure);
    const matches = signersOf(claim, candidates);
    if (matches.length === 0) {
      const who = claim.issuerFingerprint ?? `key id ${claim.issuerKeyId}`;
      return fail(failure("KEY_UNKNOWN", `signed by ${who}, which is not a trusted key named by the key id`));
    }
    let problem: AttestationFailure | undefined;
    let usable: SignerMatch | undefined;
    for (const match of matches) {
      problem = await pgpKeyProblemNow(match.key.publicKey, match.fingerprint, now);
      if (problem === undefined) {
        usable = match;
        break;
      }
    }
    if (usable === undefined) return fail(problem!);
    signers.push(usable);
  }

  if (container.format === "pgp-detached") {
    const packets = detachedPackets(container.signature);
    const problem = await verifyDetachedPackets(packets, signers, options.payload!, now);
    if (problem) return fail(problem);
    return {
      ok: true,
      format,
      key: signers[0]!.key,
      signerFingerprint: signers[0]!.fingerprint,
      hash: allowedPgpHashIds.get(packets[0]!.hashAlgorithm ?? 0)!,
      payload: options.payload!,
    };
  }

  const verificationKeys = [...new Set(signers.map((s) => s.key.publicKey))];
  let content: Uint8Array;
  let verifiedPackets: SignaturePacket[];
  try {
    if (container.format === "pgp-cleartext") {
      const result = await verify({ message: container.message, verificationKeys, expectSigned: true, date: now });
      content = Buffer.from(result.data, "utf8");
      verifiedPackets = await packetsOf(result.signatures);
    } else {
      const result = await verify({
        message: container.message,
        verificationKeys,
        expectSigned: true,
        format: "binary",
        date: now,
      });
      content = result.data as Uint8Array;
      verifiedPackets = await packetsOf(result.signatures);
    }
  } catch (error) {
    return fail(failure("SIGNATURE_INVALID", `PGP signature by ${signers[0]!.fingerprint}: ${firstLine(error)}`));
  }

  // Belt and braces: the packets that verified must be the ones the checks above approved.
  const approved = new Set(signers.map((s) => s.fingerprint));
  for (const packet of verifiedPackets) {
    const hashFailure = hashProblem(packet.hashAlgorithm);
    if (hashFailure) return fail(hashFailure);
    const issuer = packet.issuerFingerprint ? hex(packet.issuerFingerprint) : undefined;
    if (issuer !== undefined && !approved.has(issuer)) {
      return fail(failure("KEY_UNKNOWN", `signed by ${issuer}, which is not a trusted key named by the key id`));
    }
  }

  if (options.payload !== undefined && !sameContent(format, content, options.payload)) {
    return fail(failure("SIGNATURE_INVALID", "the PGP signature covers other content than the explicit payload"));
  }
  const payload = format === "pgp-cleartext" || options.payload === undefined ? content : options.payload;
  const signer = signers[0]!;
  return {
    ok: true,
    format,
    key: signer.key,
    signerFingerprint: signer.fingerprint,
    hash: allowedPgpHashIds.get(verifiedPackets[0]?.hashAlgorithm ?? claims[0]!.hashAlgorithm ?? 0) ?? "sha256",
    payload,
  };
}

/**
 * Verifies each packet of a detached signature (paired with the signer its
 * issuer named) over the payload: the signature itself (type, hash, creation
 * and expiry times, critical subpackets, then the cryptography) with the
 * signer's own key packet, then whether that (sub)key could sign when the
 * signature was made. Undefined when every packet verifies.
 */
async function verifyDetachedPackets(
  packets: readonly SignaturePacket[],
  signers: readonly SignerMatch[],
  payload: Uint8Array,
  now: Date,
): Promise<AttestationFailure | undefined> {
  const message = await createMessage({ binary: payload });
  const literal = message.packets.filterByTag(enums.packet.literalData)[0]!;
  for (const [index, packet] of packets.entries()) {
    const signer = signers[index]!;
    const by = `PGP signature by ${signer.fingerprint}`;
    const type = packet.signatureType;
    if (type !== enums.signature.binary && type !== enums.signature.text) {
      return failure("SIGNATURE_INVALID", `${by} is of type ${String(type)}, not a signature over data`);
    }
    if (packet.created === null) return failure("SIGNATURE_MALFORMED", `${by} has no creation time`);
    const signing = pgpSigningKey(signer.key.publicKey, signer.fingerprint);
    if (signing === undefined) return failure("KEY_UNKNOWN", `${by}: the trusted key has no such (sub)key`);
    try {
      await packet.verify(signing.keyPacket, type, literal, now, true);
    } catch (error) {
      return failure("SIGNATURE_INVALID", `${by}: ${firstLine(error)}`);
    }
    const problem = await pgpSigningKeyProblemAt(signer.key.publicKey, signer.fingerprint, packet.created);
    if (problem !== undefined) return failure("SIGNATURE_INVALID", `${by}: ${problem}`);
  }
  return undefined;
}

async function packetsOf(signatures: readonly { signature: Promise<{ packets: Iterable<SignaturePacket> }> }[]) {
  const packets: SignaturePacket[] = [];
  for (const entry of signatures) packets.push(...(await entry.signature).packets);
  return packets;
}
