/**
 * @module attest/pgp-algorithms
 *
 * The allow-list (./algorithms.ts) applied to OpenPGP key algorithms: RSA of
 * at least 2048 bits, ECDSA on NIST P-256/P-384/P-521, EdDSA on Ed25519
 * (GnuPG 2.2's legacy encoding and the RFC 9580 one). DSA, ElGamal,
 * Brainpool, secp256k1 and Ed448 are refused.
 */
import type { AlgorithmInfo } from "openpgp";
import { minimumRsaBits } from "./algorithms.js";
import { type AttestationFailure, failure } from "./errors.js";

const allowedCurves = new Set(["nistP256", "nistP384", "nistP521"]);

/** Why a PGP (sub)key may not sign, or undefined when it may. */
export function pgpAlgorithmProblem(info: AlgorithmInfo, what: string): AttestationFailure | undefined {
  switch (info.algorithm) {
    case "rsaEncryptSign":
    case "rsaSign": {
      const bits = info.bits ?? 0;
      return bits < minimumRsaBits
        ? failure("KEY_TOO_WEAK", `${what} is RSA-${bits} (minimum ${minimumRsaBits} bits)`)
        : undefined;
    }
    case "ecdsa":
      return allowedCurves.has(String(info.curve))
        ? undefined
        : failure("ALGORITHM_NOT_ALLOWED", `${what} uses curve ${String(info.curve)}`);
    case "eddsaLegacy":
      return info.curve === "ed25519Legacy"
        ? undefined
        : failure("ALGORITHM_NOT_ALLOWED", `${what} uses curve ${String(info.curve)}`);
    case "ed25519":
      return undefined;
    default:
      return failure("ALGORITHM_NOT_ALLOWED", `${what} uses ${info.algorithm}, which may not sign`);
  }
}
