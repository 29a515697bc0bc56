/**
 * @module policy/crds/pkix-signature-algorithm
 *
 * The PKIX signature algorithms an AttestationAuthority key may declare:
 * Kritis' names (the gcloud `--pkix-public-key-algorithm` values, e.g.
 * `ecdsa-p256-sha256`) and Binary Authorization's enum spellings
 * (`ECDSA_P256_SHA256`, `EC_SIGN_P256_SHA256`, `RSA_PSS_2048_SHA256`…), which
 * name the same algorithms. The canonical form is Kritis' name. Kritis itself
 * mis-spelled one entry (`rsa-pss-4096s-ha256`), so the correct name never
 * parsed; here it does.
 *
 * Each algorithm fixes the key it needs (RSA with a given modulus, or an EC
 * key on a given curve), so a key that cannot produce such signatures is
 * caught when the policy is loaded, not as an unexplained verification
 * failure at admission time.
 */
import type { KeyObject } from "node:crypto";

export const pkixSignatureAlgorithms = [
  "rsa-pss-2048-sha256",
  "rsa-pss-3072-sha256",
  "rsa-pss-4096-sha256",
  "rsa-pss-4096-sha512",
  "rsa-sign-pkcs1-2048-sha256",
  "rsa-sign-pkcs1-3072-sha256",
  "rsa-sign-pkcs1-4096-sha256",
  "rsa-sign-pkcs1-4096-sha512",
  "ecdsa-p256-sha256",
  "ecdsa-p384-sha384",
  "ecdsa-p521-sha512",
] as const;

export type PkixSignatureAlgorithm = (typeof pkixSignatureAlgorithms)[number];

/** Binary Authorization's enum spellings; the EC_SIGN_* names are its aliases of ECDSA_*. */
const binauthzAliases: Readonly<Record<string, PkixSignatureAlgorithm>> = {
  ...Object.fromEntries(
    pkixSignatureAlgorithms.map((name) => [name.toUpperCase().replaceAll("-", "_"), name]),
  ),
  EC_SIGN_P256_SHA256: "ecdsa-p256-sha256",
  EC_SIGN_P384_SHA384: "ecdsa-p384-sha384",
  EC_SIGN_P521_SHA512: "ecdsa-p521-sha512",
};

/** Every spelling accepted in `signatureAlgorithm`. */
export const pkixSignatureAlgorithmSpellings: readonly string[] = [
  ...pkixSignatureAlgorithms,
  ...Object.keys(binauthzAliases),
];

export function parsePkixSignatureAlgorithm(value: string): PkixSignatureAlgorithm | undefined {
  if ((pkixSignatureAlgorithms as readonly string[]).includes(value)) {
    return value as PkixSignatureAlgorithm;
  }
  return binauthzAliases[value];
}

const curves: Readonly<Record<string, string>> = {
  "ecdsa-p256-sha256": "prime256v1",
  "ecdsa-p384-sha384": "secp384r1",
  "ecdsa-p521-sha512": "secp521r1",
};

/** Why a public key cannot verify signatures of this algorithm, or undefined when it can. */
export function keyMismatch(algorithm: PkixSignatureAlgorithm, key: KeyObject): string | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  const curve = curves[algorithm];
  if (curve !== undefined) {
    if (key.asymmetricKeyType !== "ec") {
      return `${algorithm} needs an EC key; this key is of type ${key.asymmetricKeyType ?? "unknown"}`;
    }
    return details.namedCurve === curve
      ? undefined
      : `${algorithm} needs an EC key on ${curve}; this key is on ${details.namedCurve ?? "an unknown curve"}`;
  }
  const pss = algorithm.startsWith("rsa-pss-");
  const allowedTypes = pss ? ["rsa", "rsa-pss"] : ["rsa"];
  if (!allowedTypes.includes(key.asymmetricKeyType ?? "")) {
    return `${algorithm} needs an RSA key; this key is of type ${key.asymmetricKeyType ?? "unknown"}`;
  }
  const bits = Number(/-(\d{4})-/.exec(algorithm)?.[1]);
  return details.modulusLength === bits
    ? undefined
    : `${algorithm} needs a ${bits}-bit RSA key; this key has ${details.modulusLength ?? "an unknown number of"} bits`;
}
