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
 *    expiry at the signature's creation time.
 * 4. openpgp.js verifies with `expectSigned: true`; only then is the signed
 *    content returned. A container with several signatures verifies only if
 *    every one of them does.
 *
 * When an explicit payload is given (grafeas.v1 `serialized_payload`) the
 * signature must cover exactly those bytes: a detached signature is checked
 * over them, and an attached or cleartext one must carry them as its content.
 */
import {
  type PublicKey,
  type Signature,
  type SignaturePacket,
  type Subkey,
  createMessage,
  enums,
  verify,
} from "openpgp";
import { type HashAlgorithm, allowedPgpHashIds, pgpHashNames } from "./algorithms.js";
import { type AttestationFailure, AttestationError, failure } from "./errors.js";
import { pgpAlgorithmProblem } from "./pgp-algorithms.js";
import { type PgpContainer, type PgpSignatureFormat, readPgpContainer } from "./pgp-container.js";
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
      return container.signature.packets.map(claimOf);
    case "pgp-attached": {
      const packets = container.message.unwrapCompressed().packets;
      const onePass = packets.filterByTag(enums.packet.onePassSignature);
      const list = onePass.length > 0 ? onePass : packets.filterByTag(enums.packet.signature);
      return list.map((p) => claimOf(p as unknown as SignaturePacket));
    }
  }
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

async function safely<T>(probe: () => Promise<T>): Promise<T | Error> {
  try {
    return await probe();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** Why the primary key or the signing subkey may not be relied on at `now`. */
export async function pgpKeyProblem(
  publicKey: PublicKey,
  signingFingerprint: string,
  now: Date,
): Promise<AttestationFailure | undefined> {
  const primary = publicKey.getFingerprint().toUpperCase();
  if ((await safely(() => publicKey.isRevoked(undefined, undefined, now))) === true) {
    return failure("KEY_REVOKED", `key ${primary} is revoked`);
  }
  if (publicKey.getCreationTime() > now) {
    return failure("KEY_EXPIRED", `key ${primary} is not valid before ${publicKey.getCreationTime().toISOString()}`);
  }
  const expiry = await safely(() => publicKey.getExpirationTime());
  if (expiry === null || expiry instanceof Error) {
    return failure("KEY_MALFORMED", `key ${primary} has no valid self-signature`);
  }
  if (expiry instanceof Date && expiry <= now) {
    return failure("KEY_EXPIRED", `key ${primary} expired at ${expiry.toISOString()}`);
  }
  if (signingFingerprint === primary) {
    return pgpAlgorithmProblem(publicKey.getAlgorithmInfo(), `key ${primary}`);
  }
  const subkey: Subkey | undefined = publicKey.subkeys.find(
    (s) => s.getFingerprint().toUpperCase() === signingFingerprint,
  );
  if (subkey === undefined) return failure("KEY_UNKNOWN", `key ${primary} has no subkey ${signingFingerprint}`);
  // Subkey.isRevoked reads its own revocation signatures; the signature argument is optional in practice.
  const revoked = await safely(() => subkey.isRevoked(null as unknown as SignaturePacket, undefined as never, now));
  if (revoked === true) return failure("KEY_REVOKED", `subkey ${signingFingerprint} of ${primary} is revoked`);
  const subkeyExpiry = await safely(() => subkey.getExpirationTime(now));
  if (subkeyExpiry === null || subkeyExpiry instanceof Error) {
    return failure("KEY_EXPIRED", `subkey ${signingFingerprint} of ${primary} has no binding valid now`);
  }
  if (subkeyExpiry instanceof Date && subkeyExpiry <= now) {
    return failure("KEY_EXPIRED", `subkey ${signingFingerprint} of ${primary} expired at ${subkeyExpiry.toISOString()}`);
  }
  return pgpAlgorithmProblem(subkey.getAlgorithmInfo(), `subkey ${signingFingerprint} of ${primary}`);
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
      problem = await pgpKeyProblem(match.key.publicKey, match.fingerprint, now);
      if (problem === undefined) {
        usable = match;
        break;
      }
    }
    if (usable === undefined) return fail(problem!);
    signers.push(usable);
  }

  const verificationKeys = [...new Set(signers.map((s) => s.key.publicKey))];
  let content: Uint8Array;
  let verifiedPackets: SignaturePacket[];
  try {
    if (container.format === "pgp-cleartext") {
      const result = await verify({ message: container.message, verificationKeys, expectSigned: true, date: now });
      content = Buffer.from(result.data, "utf8");
      verifiedPackets = await packetsOf(result.signatures);
    } else if (container.format === "pgp-attached") {
      const result = await verify({
        message: container.message,
        verificationKeys,
        expectSigned: true,
        format: "binary",
        date: now,
      });
      content = result.data as Uint8Array;
      verifiedPackets = await packetsOf(result.signatures);
    } else {
      const message = await createMessage({ binary: options.payload! });
      const result = await verify({
        message,
        signature: container.signature,
        verificationKeys,
        expectSigned: true,
        format: "binary",
        date: now,
      });
      content = options.payload!;
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

async function packetsOf(signatures: readonly { signature: Promise<{ packets: Iterable<SignaturePacket> }> }[]) {
  const packets: SignaturePacket[] = [];
  for (const entry of signatures) packets.push(...(await entry.signature).packets);
  return packets;
}
