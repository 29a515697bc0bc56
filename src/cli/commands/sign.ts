/**
 * @module cli/commands/sign
 *
 * `scriba sign`: signs one image, pinned by digest, for one attestation note,
 * and uploads the grafeas.v1 attestation occurrence.
 *
 * What is written, per `--format` and key kind:
 *
 * | format | payload | gpg (`--gpg-key`) | PEM (`--key`) |
 * |---|---|---|---|
 * | simple-signing | simple-signing JSON naming the repository and digest | armored attached signature (as Kritis signs) | detached signature |
 * | digest | the digest and a newline (the 2017 walkthrough's text) | armored attached signature | detached signature |
 * | dsse | in-toto Statement v1, the image as its subject | detached binary signature over the DSSE PAE | signature over the DSSE PAE |
 *
 * simple-signing and digest make an ATTESTATION occurrence with
 * `serializedPayload` = payload and one `signatures[]` entry (`publicKeyId`
 * `openpgp4fpr:<FPR>` or `ni:///sha-256;…`). dsse on an ATTESTATION note makes
 * an ATTESTATION occurrence whose `Occurrence.envelope` holds the DSSE
 * envelope (payload type `application/vnd.in-toto+json`) and whose
 * `serializedPayload` repeats the statement for readers that do not know
 * envelopes; the signature lives in the envelope only. On a DSSE_ATTESTATION
 * note it makes a `dsseAttestation` occurrence with the same envelope.
 * `scriba verify` and the admission webhook accept all of these
 * (attest's `verifyOccurrenceAttestation`).
 *
 * The resource URI is `https://` + the normalised pinned reference. Signing
 * is idempotent: when the note already has an occurrence for this image
 * signed with the same key id, nothing is written. `--overwrite` writes a new
 * one and then deletes the old ones (in that order, so the image is never
 * left without an attestation). The note must exist; nothing else is created.
 */
import { readFileSync } from "node:fs";
import { createPrivateKey, createPublicKey } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import {
  AttestationError,
  gpgSecretKeyFingerprint,
  gpgSign,
  inTotoPayloadType,
  inTotoStatementPayload,
  niKeyId,
  preAuthenticationEncoding,
  signDsseEnvelope,
  signWithPrivateKey,
  digestTextPayload,
  simpleSigningPayload,
} from "../../attest/index.js";
import type { GrafeasRestClient } from "../../client/grafeas-rest-client.js";
import { ScribaError, invalidArgument } from "../../errors.js";
import { type Note, type Occurrence, OccurrenceSchema } from "../../gen/grafeas/v1/grafeas_pb.js";
import { type ImageReference, pinnedReference, resourceUriOf } from "../../image/image-reference.js";
import { type CliIO, type Command, exitCodes } from "../command.js";
import { jsonText } from "../grafeas-output.js";
import { attestationsForImage, canonicalNoteName, pinnedImageArgument, signatureKeyIds } from "../image-attestations.js";
import { projectArgument } from "../resource-arguments.js";
import { connect, connectionSettings, describeConnection } from "../server-connection.js";
import { type PlainFlags, describeFlag, oneOf, parseCommandLine, stringFlag } from "../settings.js";

export type SigningFormat = "simple-signing" | "digest" | "dsse";
const parseFormat = oneOf<SigningFormat>("--format", ["simple-signing", "digest", "dsse"]);
const parseOutput = oneOf("--output", ["text", "json"] as const);

/** The predicate type of the statement `--format dsse` signs, unless `--predicate-type` says otherwise. */
export const defaultPredicateType = "https://cosign.sigstore.dev/attestation/v1";

const flags: PlainFlags = {
  image: { type: "string" },
  note: { type: "string" },
  "gpg-key": { type: "string" },
  key: { type: "string" },
  algorithm: { type: "string" },
  "key-id": { type: "string" },
  format: { type: "string" },
  "predicate-type": { type: "string" },
  project: { type: "string" },
  overwrite: { type: "boolean" },
  output: { type: "string", short: "o" },
};

const usage = `Usage: scriba sign --image REF@sha256:DIGEST --note projects/P/notes/N (--gpg-key ID | --key key.pem) [options]

Signs the image (normalised and pinned by digest; tag-only references are
refused) and uploads a grafeas.v1 attestation occurrence for it on the note,
with resource URI https://REGISTRY/PATH@DIGEST. The note must exist (see
scriba note create). Signing again with the same key does nothing unless
--overwrite is given.

Options:
${describeFlag("--image REF@sha256:DIGEST", "The image to sign")}
${describeFlag("--note projects/P/notes/N", "The attestation note (the authority); it must exist")}
${describeFlag("--gpg-key ID", "Sign with gpg (GNUPGHOME is honoured): a fingerprint, key id or user id", "naming one secret key; publicKeyId openpgp4fpr:FINGERPRINT")}
${describeFlag("--key FILE", "Sign with a PEM private key (ECDSA, RSA, Ed25519); publicKeyId ni:///sha-256;…")}
${describeFlag("--algorithm NAME", "With --key: a Binary Authorization algorithm name, e.g. ECDSA_P256_SHA256,", "RSA_SIGN_PSS_3072_SHA256 (default: the key's natural scheme)")}
${describeFlag("--key-id ID", "With --key: the publicKeyId to record instead of the derived ni:/// id")}
${describeFlag("--format FORMAT", "simple-signing (default) | digest | dsse (a DSSE envelope with an in-toto", "statement, payload type application/vnd.in-toto+json)")}
${describeFlag("--predicate-type URI", "With --format dsse: the statement's predicateType", `(default ${defaultPredicateType})`)}
${describeFlag("--project P", "Where the occurrence is written (default: the note's project)")}
${describeFlag("--overwrite", "Replace this key's existing occurrence for the image")}
${describeFlag("-o, --output text|json", "What to print (default text)")}
${describeConnection()}
`;

interface Signer {
  readonly keyId: string;
  /** Signs the payload for serializedPayload (attached armored PGP, or detached PKIX). */
  signPayload(payload: Uint8Array): Promise<Uint8Array>;
  /** Signs a DSSE envelope's pre-authentication encoding. */
  signEnvelope(payload: Uint8Array, payloadType: string): Promise<Uint8Array>;
}

async function gpgSigner(key: string, io: CliIO): Promise<Signer> {
  const homedir = io.env["GNUPGHOME"] || undefined;
  const fingerprint = await gpgSecretKeyFingerprint(key, { homedir });
  return {
    keyId: `openpgp4fpr:${fingerprint}`,
    async signPayload(payload) {
      return (await gpgSign(payload, { key: fingerprint, mode: "attached", armor: true, homedir })).output;
    },
    async signEnvelope(payload, payloadType) {
      const pae = preAuthenticationEncoding(payloadType, payload);
      return (await gpgSign(pae, { key: fingerprint, mode: "detached", armor: false, homedir })).output;
    },
  };
}

function pemSigner(path: string, algorithm: string | undefined, keyId: string | undefined): Signer {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (error) {
    throw invalidArgument(`cannot read --key ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let derivedId: string;
  try {
    derivedId = niKeyId(createPublicKey(createPrivateKey({ key: pem, format: "pem" })).export({ type: "spki", format: "der" }));
  } catch (error) {
    throw new AttestationError("SIGNING_KEY_UNKNOWN", `--key ${path} is not an unencrypted PEM private key`, { cause: error });
  }
  const options = { signatureAlgorithm: algorithm, keyId: keyId ?? derivedId };
  return {
    keyId: options.keyId,
    signPayload: (payload) => Promise.resolve(signWithPrivateKey(pem, payload, options).signature),
    signEnvelope: (payload, payloadType) =>
      Promise.resolve(signDsseEnvelope(payload, payloadType, pem, options).signatures[0]!.sig),
  };
}

/** The note, or an error that says how to create it. */
async function requireAttestationNote(client: GrafeasRestClient, noteName: string, format: SigningFormat): Promise<Note> {
  let note: Note;
  try {
    note = await client.getNote(noteName);
  } catch (error) {
    if (error instanceof ScribaError && error.code === "NOT_FOUND") {
      throw new ScribaError(
        "NOT_FOUND",
        `note ${noteName} does not exist on ${client.baseUrl}; scriba sign creates no notes. Create it first:\n` +
          `  echo '{"attestation":{"hint":{"humanReadableName":"${noteName.split("/").pop()}"}}}' > note.json\n` +
          `  scriba note create ${noteName} -f note.json --server ${client.baseUrl}`,
      );
    }
    throw error;
  }
  const kind = note.type.case;
  if (kind === "attestation" || (kind === "dsseAttestation" && format === "dsse")) return note;
  throw new ScribaError(
    "FAILED_PRECONDITION",
    kind === "dsseAttestation"
      ? `note ${noteName} is a DSSE_ATTESTATION note; sign for it with --format dsse`
      : `note ${noteName} is not an attestation note (its details are ${kind ?? "empty"}); attestations attach to ATTESTATION notes`,
  );
}

function payloadOf(image: ImageReference, format: SigningFormat, predicateType: string): Uint8Array {
  switch (format) {
    case "simple-signing":
      return simpleSigningPayload(image);
    case "digest":
      return digestTextPayload(image);
    case "dsse":
      return inTotoStatementPayload(image, { predicateType });
  }
}

async function signedOccurrence(
  image: ImageReference,
  note: Note,
  format: SigningFormat,
  predicateType: string,
  signer: Signer,
): Promise<Occurrence> {
  const resourceUri = resourceUriOf(image)!;
  const payload = payloadOf(image, format, predicateType);
  if (format !== "dsse") {
    const signature = await signer.signPayload(payload);
    return create(OccurrenceSchema, {
      resourceUri,
      noteName: note.name,
      details: {
        case: "attestation",
        value: { serializedPayload: payload, signatures: [{ signature, publicKeyId: signer.keyId }] },
      },
    });
  }
  const sig = await signer.signEnvelope(payload, inTotoPayloadType);
  const envelope = { payload, payloadType: inTotoPayloadType, signatures: [{ sig, keyid: signer.keyId }] };
  if (note.type.case === "dsseAttestation") {
    return create(OccurrenceSchema, { resourceUri, noteName: note.name, details: { case: "dsseAttestation", value: { envelope } } });
  }
  return create(OccurrenceSchema, {
    resourceUri,
    noteName: note.name,
    details: { case: "attestation", value: { serializedPayload: payload } },
    envelope,
  });
}

interface SignOutcome {
  readonly status: "created" | "unchanged" | "replaced";
  readonly image: string;
  readonly resourceUri: string;
  readonly note: string;
  readonly keyId: string;
  readonly format: SigningFormat;
  /** The new occurrence, or (unchanged) the existing ones. */
  readonly occurrences: readonly string[];
  readonly replaced: readonly string[];
}

function textOf(outcome: SignOutcome): string {
  const what = `${outcome.image} (${outcome.format}, key ${outcome.keyId})`;
  if (outcome.status === "unchanged") {
    return (
      `${outcome.image} is already signed with key ${outcome.keyId} on ${outcome.note}: ${outcome.occurrences.join(", ")}\n` +
      "Nothing to do; --overwrite replaces it.\n"
    );
  }
  return [
    `Signed ${what}`,
    `Created ${outcome.occurrences.join(", ")} on ${outcome.note}`,
    ...outcome.replaced.map((name) => `Deleted ${name} (replaced)`),
    "",
  ].join("\n");
}

export const signCommand: Command = {
  name: "sign",
  summary: "Sign an image by digest and upload the attestation occurrence",
  help: () => usage,
  async run(args, io) {
    const { values } = parseCommandLine(args, connectionSettings, { flags });
    const image = pinnedImageArgument(stringFlag(values, "image"));
    const noteName = canonicalNoteName(stringFlag(values, "note"));
    const format = parseFormat(stringFlag(values, "format") ?? "simple-signing");
    const output = parseOutput(stringFlag(values, "output") ?? "text");
    const gpgKey = stringFlag(values, "gpg-key");
    const keyFile = stringFlag(values, "key");
    if ((gpgKey === undefined) === (keyFile === undefined)) {
      throw invalidArgument("give exactly one of --gpg-key ID or --key key.pem");
    }
    for (const pemOnly of ["algorithm", "key-id"]) {
      if (gpgKey !== undefined && values[pemOnly] !== undefined) throw invalidArgument(`--${pemOnly} applies to --key only`);
    }
    const predicateType = stringFlag(values, "predicate-type") ?? defaultPredicateType;
    if (format !== "dsse" && values["predicate-type"] !== undefined) {
      throw invalidArgument("--predicate-type applies to --format dsse only");
    }
    const projectFlag = stringFlag(values, "project");
    const project = projectArgument(projectFlag ?? noteName.split("/").slice(0, 2).join("/"));
    const client = connect(values, io);

    const signer = gpgKey !== undefined ? await gpgSigner(gpgKey, io) : pemSigner(keyFile!, stringFlag(values, "algorithm"), stringFlag(values, "key-id"));
    const note = await requireAttestationNote(client, noteName, format);
    const resourceUri = resourceUriOf(image)!;
    const existing = (await attestationsForImage(client, noteName, image)).filter((occurrence) =>
      signatureKeyIds(occurrence).includes(signer.keyId),
    );
    const base = { image: pinnedReference(image)!, resourceUri, note: noteName, keyId: signer.keyId, format };
    let outcome: SignOutcome;
    if (existing.length > 0 && values["overwrite"] !== true) {
      outcome = { status: "unchanged", ...base, occurrences: existing.map((o) => o.name), replaced: [] };
    } else {
      const occurrence = await signedOccurrence(image, note, format, predicateType, signer);
      const created = await client.createOccurrence(project, occurrence);
      const replaced: string[] = [];
      for (const old of existing) {
        try {
          await client.deleteOccurrence(old.name);
        } catch (error) {
          // Deleted meanwhile by someone else: the outcome is the same.
          if (!(error instanceof ScribaError && error.code === "NOT_FOUND")) throw error;
        }
        replaced.push(old.name);
      }
      outcome = { status: replaced.length > 0 ? "replaced" : "created", ...base, occurrences: [created.name], replaced };
    }
    io.stdout(output === "json" ? jsonText(outcome) : textOf(outcome));
    return exitCodes.ok;
  },
};
