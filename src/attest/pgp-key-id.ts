/**
 * @module attest/pgp-key-id
 *
 * The spellings of an OpenPGP key id found on occurrences and signatures:
 * a short id (8 hex, the 2017 tutorial's `0CD9D96F`), a long id (16 hex), a
 * full v4 fingerprint (40 hex; 64 for v6 keys), or an `openpgp4fpr:` URI
 * (Grafeas v1). Spaces, a `0x` prefix and letter case are ignored.
 *
 * Short and long ids are hints only: they narrow the trusted keys to try, and
 * the key that actually made the signature must then equal a trusted key's
 * full fingerprint (or one of its subkeys').
 */

export interface PgpKeyIdHint {
  /** Uppercase hex, without prefix or spaces. */
  readonly hex: string;
  readonly kind: "short-id" | "long-id" | "fingerprint";
}

/** Reads a PGP key id in any accepted spelling; undefined when it is none of them. */
export function parsePgpKeyId(text: string): PgpKeyIdHint | undefined {
  let hex = text.trim();
  if (/^openpgp4fpr:/i.test(hex)) hex = hex.slice("openpgp4fpr:".length);
  else if (/^0x/i.test(hex)) hex = hex.slice(2);
  hex = hex.replaceAll(" ", "").toUpperCase();
  if (!/^[0-9A-F]+$/.test(hex)) return undefined;
  switch (hex.length) {
    case 8:
      return { hex, kind: "short-id" };
    case 16:
      return { hex, kind: "long-id" };
    case 40:
    case 64:
      return { hex, kind: "fingerprint" };
    default:
      return undefined;
  }
}

/**
 * Whether a hint names the key with this fingerprint: a fingerprint must be
 * equal; a short or long id must be the key id's end (a v4 key id is the low
 * 64 bits of the fingerprint, a v6 key id the high 64 bits).
 */
export function pgpKeyIdMatches(hint: PgpKeyIdHint, fingerprint: string): boolean {
  const full = fingerprint.toUpperCase();
  if (hint.kind === "fingerprint") return full === hint.hex;
  const keyId = full.length === 64 ? full.slice(0, 16) : full.slice(-16);
  return keyId.endsWith(hint.hex);
}
