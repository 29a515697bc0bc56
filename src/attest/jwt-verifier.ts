/**
 * @module attest/jwt-verifier
 *
 * Verifies `AttestationOccurrence.jwts[].compact_jwt` with jose and the
 * trusted PKIX keys:
 *
 * - the protected header's `alg` must be on the allow-list (ES256/384/512,
 *   RS256/384/512, PS256/384/512, EdDSA/Ed25519) and fit the key (a key with
 *   a configured signature algorithm accepts only that one);
 * - `kid` is a key id hint: it must name a trusted PKIX key; without a `kid`
 *   every trusted PKIX key that fits `alg` is tried;
 * - the claims are read only after the signature verified; `exp` and `nbf`
 *   are enforced when present (ATTESTATION_EXPIRED);
 * - the claim bound to the image is `sub`: the pinned image reference
 *   (`registry/repository@sha256:…`, or the Grafeas resource URL
 *   `https://registry/repository@sha256:…`), compared after normalisation.
 *
 * Per the grafeas.v1 comment, `serialized_payload` plays no part here.
 */
import { compactVerify, decodeProtectedHeader } from "jose";
import {
  type JwsAlgorithm,
  type PkixScheme,
  curveHashes,
  isAllowedJwsAlgorithm,
  schemeOfJwsAlgorithm,
} from "./algorithms.js";
import { type AttestationFailure, failure } from "./errors.js";
import { type TrustedKey, type TrustedPkixKey, keysForHint } from "./trusted-key.js";

export type JwtVerification =
  | {
      readonly ok: true;
      readonly key: TrustedPkixKey;
      readonly algorithm: JwsAlgorithm;
      /** The verified claims set bytes. */
      readonly payload: Uint8Array;
      readonly claims: Record<string, unknown>;
    }
  | { readonly ok: false; readonly failure: AttestationFailure };

const fail = (reason: AttestationFailure): JwtVerification => ({ ok: false, failure: reason });

function keyFitsAlgorithm(key: TrustedPkixKey, alg: JwsAlgorithm): boolean {
  const wanted = schemeOfJwsAlgorithm(alg);
  return key.schemes.some((scheme: PkixScheme) => {
    if (scheme.kind !== wanted.kind) return false;
    if (scheme.kind === "ed25519") return true;
    if (scheme.kind === "ecdsa") return curveHashes[scheme.curve] === wanted.hash;
    return scheme.hash === wanted.hash;
  });
}

/** Verifies a compact JWS/JWT and returns its verified claims, or a failure. */
export async function verifyJwt(
  compactJwt: string,
  keys: readonly TrustedKey[],
  options: { readonly now?: Date | undefined } = {},
): Promise<JwtVerification> {
  const now = options.now ?? new Date();
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(compactJwt.trim());
  } catch {
    return fail(failure("SIGNATURE_MALFORMED", "not a compact JWT"));
  }
  const alg = header["alg"];
  if (!isAllowedJwsAlgorithm(alg)) {
    return fail(failure("ALGORITHM_NOT_ALLOWED", `JWT alg ${JSON.stringify(alg)} is not allowed`));
  }
  const kid = header["kid"];
  const pkixKeys = keys.filter((k): k is TrustedPkixKey => k.kind === "pkix");
  const named = typeof kid === "string" && kid !== "" ? keysForHint(pkixKeys, kid) as TrustedPkixKey[] : pkixKeys;
  if (named.length === 0) {
    return fail(failure("KEY_UNKNOWN", typeof kid === "string" ? `JWT kid ${kid} names no trusted key` : "no trusted PKIX key"));
  }
  const candidates = named.filter((key) => keyFitsAlgorithm(key, alg));
  if (candidates.length === 0) {
    const which = named.map((k) => `${k.id} (${k.description})`).join(", ");
    return fail(failure("ALGORITHM_NOT_ALLOWED", `JWT alg ${alg} does not fit trusted key ${which}`));
  }

  for (const key of candidates) {
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(compactJwt.trim(), key.publicKey, { algorithms: [alg] }));
    } catch {
      continue;
    }
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload).toString("utf8"));
    } catch {
      return fail(failure("PAYLOAD_MALFORMED", "the JWT claims set is not JSON"));
    }
    if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
      return fail(failure("PAYLOAD_MALFORMED", "the JWT claims set is not a JSON object"));
    }
    const record = claims as Record<string, unknown>;
    const seconds = Math.floor(now.getTime() / 1000);
    const exp = record["exp"];
    const nbf = record["nbf"];
    if (exp !== undefined && (typeof exp !== "number" || seconds >= exp)) {
      return fail(failure("ATTESTATION_EXPIRED", `the JWT expired at ${typeof exp === "number" ? new Date(exp * 1000).toISOString() : "an invalid exp"}`));
    }
    if (nbf !== undefined && (typeof nbf !== "number" || seconds < nbf)) {
      return fail(failure("ATTESTATION_EXPIRED", `the JWT is not valid before ${typeof nbf === "number" ? new Date(nbf * 1000).toISOString() : "an invalid nbf"}`));
    }
    return { ok: true, key, algorithm: alg, payload, claims: record };
  }
  const which = candidates.map((k) => k.id).join(", ");
  return fail(failure("SIGNATURE_INVALID", `the ${alg} JWT does not verify with ${which}`));
}
