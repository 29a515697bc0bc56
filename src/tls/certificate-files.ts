/**
 * @module tls/certificate-files
 *
 * Writes webhook TLS material to a directory under the names `kubectl create
 * secret tls` and most charts expect: `ca.crt`, `ca.key`, `tls.crt`,
 * `tls.key`. Private keys are readable by their owner only. Existing files are
 * never overwritten unless asked: replacing a CA by accident breaks every
 * webhook configuration whose `caBundle` still names the old one.
 */
import { chmod, lstat, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { alreadyExists, failedPrecondition } from "../errors.js";
import type { WebhookCertificates } from "./webhook-certificates.js";

export const certificateFileNames = {
  caCertificate: "ca.crt",
  caPrivateKey: "ca.key",
  certificate: "tls.crt",
  privateKey: "tls.key",
} as const;

const privateKeyMode = 0o600;
const certificateMode = 0o644;

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw failedPrecondition(`${path} cannot be checked: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

/**
 * Writes the four files into `directory` (created if missing) and returns
 * their paths. Throws ALREADY_EXISTS when one of them exists and `force` is
 * not set; with `force`, existing files are removed first, so a symlink left
 * in their place is replaced rather than written through.
 */
export async function writeWebhookCertificates(
  directory: string,
  certificates: WebhookCertificates,
  options: { readonly force?: boolean } = {},
): Promise<Record<keyof typeof certificateFileNames, string>> {
  const files = [
    { key: "caCertificate", text: certificates.caCertificatePem, mode: certificateMode },
    { key: "caPrivateKey", text: certificates.caPrivateKeyPem, mode: privateKeyMode },
    { key: "certificate", text: certificates.certificatePem, mode: certificateMode },
    { key: "privateKey", text: certificates.privateKeyPem, mode: privateKeyMode },
  ] as const;
  const paths = Object.fromEntries(files.map((f) => [f.key, join(directory, certificateFileNames[f.key])])) as Record<
    keyof typeof certificateFileNames,
    string
  >;
  if (!options.force) {
    const present: string[] = [];
    for (const file of files) if (await exists(paths[file.key])) present.push(certificateFileNames[file.key]);
    if (present.length > 0) {
      throw alreadyExists(`${present.join(", ")} already ${present.length === 1 ? "exists" : "exist"} in ${directory}; pass --force to overwrite`);
    }
  }
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    for (const file of files) {
      const path = paths[file.key];
      if (options.force) await rm(path, { force: true });
      // "wx": never write through a file that appeared since the check.
      await writeFile(path, file.text, { mode: file.mode, flag: "wx" });
      await chmod(path, file.mode);
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw alreadyExists(`a certificate file appeared in ${directory} while writing; nothing was overwritten`);
    throw failedPrecondition(`cannot write certificates to ${directory}: ${code ?? "error"}`);
  }
  return paths;
}
