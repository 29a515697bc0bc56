/**
 * @module cli/commands/verify
 *
 * `scriba verify`: fetches the attestation occurrences of one image on one
 * note and verifies them, offline, with the public keys given as files, as
 * the admission webhook would. Reports every occurrence and every signature:
 * verified (by which key, in which format, over which payload kind) or the
 * attest failure code with its message and detail. Exit 0 when at least one
 * occurrence verifies, 1 otherwise, 2 for usage errors.
 */
import { readFileSync } from "node:fs";
import {
  AttestationError,
  type AttestationVerification,
  type TrustedKey,
  type TrustedKeyInput,
  parseTrustedKey,
  verifyOccurrenceAttestation,
} from "../../attest/index.js";
import { invalidArgument } from "../../errors.js";
import { pinnedReference } from "../../image/image-reference.js";
import { type Command, exitCodes } from "../command.js";
import { jsonText } from "../grafeas-output.js";
import { attestationsForImage, canonicalNoteName, pinnedImageArgument } from "../image-attestations.js";
import { connect, connectionSettings, describeConnection } from "../server-connection.js";
import { type PlainFlags, describeFlag, oneOf, parseCommandLine, stringFlag, stringFlags } from "../settings.js";

const parseOutput = oneOf("--output", ["text", "json"] as const);

const flags: PlainFlags = {
  image: { type: "string" },
  note: { type: "string" },
  key: { type: "string", multiple: true },
  output: { type: "string", short: "o" },
};

const usage = `Usage: scriba verify --image REF@sha256:DIGEST --note projects/P/notes/N --key FILE [--key FILE…] [options]

Fetches the attestation occurrences of the image on the note and verifies
each with the given public keys, offline, exactly as the admission webhook
does: a signature counts only if a trusted key verifies it and its payload
names this image's digest (and repository, where it names one). Prints, per
occurrence and per signature, "verified" or the failure code and reason.

Exit status: 0 when at least one occurrence verifies, 1 when none does (or
there is none), 2 for usage errors.

Options:
${describeFlag("--image REF@sha256:DIGEST", "The image (pinned by digest)")}
${describeFlag("--note projects/P/notes/N", "The attestation note (the authority)")}
${describeFlag("--key FILE", "A trusted public key (repeatable): armored PGP (gpg --armor --export)", "or PEM SPKI (-----BEGIN PUBLIC KEY-----); the format is detected")}
${describeFlag("-o, --output text|json", "What to print (default text)")}
${describeConnection()}
`;

/** Reads one `--key` file, deciding from its content whether it is a PGP or a PKIX key. */
function keyInputOf(path: string): TrustedKeyInput {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw invalidArgument(`cannot read --key ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY/.test(text) || text.includes("-----BEGIN PGP PRIVATE KEY BLOCK-----")) {
    throw invalidArgument(
      `--key ${path} holds a private key; verify with the public key (gpg --armor --export ID, openssl pkey -pubout)`,
    );
  }
  if (text.includes("-----BEGIN PUBLIC KEY-----")) return { kind: "pkix", publicKeyPem: text };
  if (text.includes("-----BEGIN PGP PUBLIC KEY BLOCK-----")) return { kind: "pgp", armoredPublicKey: text };
  // Kritis' asciiArmoredPgpPublicKey holds base64 of the armored key.
  const decoded = /^[A-Za-z0-9+/=\s]+$/.test(text) ? Buffer.from(text.replace(/\s+/g, ""), "base64").toString("utf8") : "";
  if (decoded.includes("-----BEGIN PGP PUBLIC KEY BLOCK-----")) return { kind: "pgp", armoredPublicKey: text };
  throw invalidArgument(
    `--key ${path} is neither an armored PGP public key (gpg --armor --export) nor a PEM public key (-----BEGIN PUBLIC KEY-----)`,
  );
}

async function loadKeys(paths: readonly string[]): Promise<TrustedKey[]> {
  if (paths.length === 0) throw invalidArgument("at least one --key FILE is required");
  return Promise.all(
    paths.map(async (path) => {
      try {
        return await parseTrustedKey(keyInputOf(path));
      } catch (error) {
        if (error instanceof AttestationError) throw invalidArgument(`--key ${path}: ${error.message}`);
        throw error;
      }
    }),
  );
}

interface SignatureReport {
  readonly source: string;
  readonly verified: boolean;
  readonly format?: string | undefined;
  readonly keyId?: string | undefined;
  readonly signer?: string | undefined;
  readonly algorithm?: string | undefined;
  readonly payloadKind?: string | undefined;
  readonly keyIdHint?: string | undefined;
  readonly code?: string | undefined;
  readonly message?: string | undefined;
  readonly detail?: string | undefined;
}

interface OccurrenceReport {
  readonly name: string;
  readonly resourceUri: string;
  readonly verified: boolean;
  readonly signatures: readonly SignatureReport[];
  /** Why, when the occurrence could not even be tried (no signatures). */
  readonly failure?: { readonly code: string; readonly message: string; readonly detail: string } | undefined;
}

function reportOf(name: string, resourceUri: string, verification: AttestationVerification): OccurrenceReport {
  const signatures = verification.results.map(
    (result): SignatureReport =>
      result.ok
        ? {
            source: result.source,
            verified: true,
            format: result.format,
            keyId: result.keyId,
            signer: result.signer,
            algorithm: result.algorithm,
            payloadKind: result.payload.kind,
          }
        : {
            source: result.source,
            verified: false,
            format: result.format,
            keyIdHint: result.keyIdHint,
            code: result.failure.code,
            message: result.failure.message,
            detail: result.failure.detail,
          },
  );
  const failure = signatures.length === 0 ? verification.failure : undefined;
  return { name, resourceUri, verified: verification.verified, signatures, ...(failure ? { failure } : {}) };
}

function textOf(image: string, note: string, reports: readonly OccurrenceReport[]): string {
  const verifiedCount = reports.filter((r) => r.verified).length;
  const lines = [
    `Image ${image}`,
    `Note  ${note}: ${reports.length} attestation occurrence${reports.length === 1 ? "" : "s"}, ${verifiedCount} verified`,
  ];
  for (const report of reports) {
    lines.push("", `${report.name}: ${report.verified ? "verified" : "NOT verified"}`);
    if (report.failure) lines.push(`  ${report.failure.code}: ${report.failure.message}: ${report.failure.detail}`);
    for (const s of report.signatures) {
      lines.push(
        s.verified
          ? `  ${s.source}: verified with key ${s.keyId} (${s.format}, ${s.algorithm}, payload ${s.payloadKind})`
          : `  ${s.source}: ${s.code}: ${s.message}: ${s.detail}${s.keyIdHint && !s.detail?.includes(s.keyIdHint) ? ` (key id ${s.keyIdHint})` : ""}`,
      );
    }
  }
  if (reports.length === 0) lines.push("", "No attestation occurrence names this image on this note.");
  return `${lines.join("\n")}\n`;
}

export const verifyCommand: Command = {
  name: "verify",
  summary: "Verify an image's attestations on a note with given public keys",
  help: () => usage,
  async run(args, io) {
    const { values } = parseCommandLine(args, connectionSettings, { flags });
    const image = pinnedImageArgument(stringFlag(values, "image"));
    const noteName = canonicalNoteName(stringFlag(values, "note"));
    const output = parseOutput(stringFlag(values, "output") ?? "text");
    const keys = await loadKeys(stringFlags(values, "key"));
    const client = connect(values, io);

    const occurrences = await attestationsForImage(client, noteName, image);
    const reports: OccurrenceReport[] = [];
    for (const occurrence of occurrences) {
      const verification = await verifyOccurrenceAttestation(occurrence, image, keys);
      reports.push(reportOf(occurrence.name, occurrence.resourceUri, verification));
    }
    const pinned = pinnedReference(image)!;
    const verified = reports.some((r) => r.verified);
    io.stdout(
      output === "json"
        ? jsonText({ image: pinned, note: noteName, verified, occurrences: reports })
        : textOf(pinned, noteName, reports),
    );
    return verified ? exitCodes.ok : exitCodes.failed;
  },
};
