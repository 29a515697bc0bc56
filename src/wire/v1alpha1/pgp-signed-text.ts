/**
 * @module wire/v1alpha1/pgp-signed-text
 *
 * The text a clearsigned or attached PGP signature carries, read WITHOUT
 * verifying it: the v1alpha1 edge stores it as the v1 `serializedPayload`, and
 * the verifier later checks that the signature covers exactly these bytes.
 */
import { invalidArgument } from "../../errors.js";
import { readPgpContainer } from "../../attest/pgp-container.js";

export async function pgpSignedText(armored: string): Promise<Uint8Array> {
  let container;
  try {
    container = await readPgpContainer(armored);
  } catch {
    throw invalidArgument("attestation.pgpSignedAttestation.signature is not a readable PGP signature");
  }
  switch (container.format) {
    case "pgp-cleartext":
      return Buffer.from(container.message.getText(), "utf8");
    case "pgp-attached": {
      const data: unknown = container.message.getLiteralData();
      if (data instanceof Uint8Array) return data;
      throw invalidArgument("attestation.pgpSignedAttestation.signature carries no signed data");
    }
    case "pgp-detached":
      throw invalidArgument(
        "a detached PGP signature has no payload in v1alpha1; use the v1 API with attestation.serializedPayload",
      );
  }
}
