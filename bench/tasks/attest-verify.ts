/**
 * @module bench/tasks/attest-verify
 *
 * Verification loops over one signature, in two modes on the same bytes:
 *
 * - `scriba`: the attest module's entry points with keys parsed once by
 *   createTrustedKeys — verifyAttestationOccurrence for PGP and PKIX
 *   signatures over `serialized_payload`, verifyDsseEnvelope for DSSE. That
 *   includes everything a verdict needs: key selection by id, algorithm and
 *   key-validity checks, the signature, reading the payload and binding it
 *   to the image.
 * - `bare`: the cryptographic check alone with the same pre-parsed key —
 *   `openpgp.verify` (reading the signature packet and wrapping the payload,
 *   as any caller must) or `crypto.verify` over the same bytes (for DSSE, over
 *   the precomputed pre-authentication encoding).
 *
 * Every step checks its result, so a loop that stopped verifying would fail
 * rather than report a fast figure.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { createMessage, readKey, readSignature, verify as pgpVerify, type PublicKey } from "openpgp";
import {
  createTrustedKeys,
  preAuthenticationEncoding,
  verifyAttestationOccurrence,
  verifyDsseEnvelope,
  type TrustedKey,
  type TrustedKeyInput,
} from "../../src/attest/index.js";
import { parseImageReference } from "../../src/image/image-reference.js";
import type { Task } from "../lib/task-loop.js";

export type AttestVariant = "pgp-rsa3072" | "pgp-ed25519" | "ecdsa-p256" | "dsse-ecdsa-p256";

export interface AttestMaterial {
  readonly variant: AttestVariant;
  /** The image the payload names. */
  readonly image: string;
  /** Base64 payload (for DSSE: the envelope's payload). */
  readonly payload: string;
  /** Base64 signature (PGP: detached binary packet as gpg made it; PKIX: DER ECDSA). */
  readonly signature: string;
  /** `openpgp4fpr:…` or `ni:///sha-256;…`. */
  readonly keyId: string;
  /** `gpg --armor --export` text, or a PEM public key. */
  readonly publicKey: string;
  /** DSSE only. */
  readonly payloadType?: string | undefined;
}

export interface AttestVerifyParams {
  readonly mode: "scriba" | "bare";
  readonly material: AttestMaterial;
}

function keyInput(material: AttestMaterial): TrustedKeyInput {
  return material.variant.startsWith("pgp")
    ? { kind: "pgp", armoredPublicKey: material.publicKey }
    : { kind: "pkix", publicKeyPem: material.publicKey };
}

function failed(what: string): never {
  throw new Error(`${what} did not verify: the benchmark would measure a failure path`);
}

async function scribaTask(material: AttestMaterial): Promise<Task> {
  const keys: TrustedKey[] = await createTrustedKeys([keyInput(material)]);
  const image = parseImageReference(material.image);
  const payload = Buffer.from(material.payload, "base64");
  const signature = Buffer.from(material.signature, "base64");
  if (material.variant === "dsse-ecdsa-p256") {
    const envelope = {
      payload,
      payloadType: material.payloadType!,
      signatures: [{ sig: signature, keyid: material.keyId }],
    };
    return {
      async step() {
        const result = await verifyDsseEnvelope(envelope, image, keys);
        if (!result.verified) failed(`DSSE (${result.failure?.code})`);
        return 1;
      },
    };
  }
  const occurrence = { serializedPayload: payload, signatures: [{ signature, publicKeyId: material.keyId }] };
  return {
    async step() {
      const result = await verifyAttestationOccurrence(occurrence, image, keys);
      if (!result.verified) failed(`${material.variant} (${result.failure?.code})`);
      return 1;
    },
  };
}

async function barePgpTask(material: AttestMaterial): Promise<Task> {
  const publicKey: PublicKey = await readKey({ armoredKey: material.publicKey });
  const payload = Buffer.from(material.payload, "base64");
  const signature = Buffer.from(material.signature, "base64");
  return {
    async step() {
      const result = await pgpVerify({
        message: await createMessage({ binary: payload }),
        signature: await readSignature({ binarySignature: signature }),
        verificationKeys: publicKey,
        expectSigned: true,
        format: "binary",
      });
      if (result.signatures.length !== 1) failed("openpgp.verify");
      return 1;
    },
  };
}

function bareCryptoTask(material: AttestMaterial): Task {
  const key: KeyObject = createPublicKey(material.publicKey);
  const payload = Buffer.from(material.payload, "base64");
  const signed =
    material.variant === "dsse-ecdsa-p256" ? preAuthenticationEncoding(material.payloadType!, payload) : payload;
  const signature = Buffer.from(material.signature, "base64");
  return {
    step() {
      if (!cryptoVerify("sha256", signed, key, signature)) failed("crypto.verify");
      return 1;
    },
  };
}

export async function createAttestVerifyTask(params: AttestVerifyParams): Promise<Task> {
  const { mode, material } = params;
  if (mode === "scriba") return scribaTask(material);
  return material.variant.startsWith("pgp") ? barePgpTask(material) : bareCryptoTask(material);
}
