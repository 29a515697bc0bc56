/**
 * @module attest/gpg-signer
 *
 * Signs with the real `gpg` binary (GnuPG 2.2+), run directly (no shell) with
 * the data on stdin and the signature on stdout:
 *
 *     gpg --batch --yes [--homedir DIR] -u FINGERPRINT [--armor] --clearsign|--sign|--detach-sign
 *
 * GNUPGHOME from the environment is respected unless a home directory is
 * given. The key is first resolved to exactly one secret key's full
 * fingerprint (`gpg --with-colons --list-secret-keys KEY`), which is what
 * signatures are then made with and what the occurrence should name
 * (`openpgp4fpr:<fingerprint>`). A missing gpg, an unknown or ambiguous key
 * and a failed signature are reported as GPG_UNAVAILABLE,
 * SIGNING_KEY_UNKNOWN and SIGNING_FAILED.
 */
import { spawn } from "node:child_process";
import { AttestationError } from "./errors.js";

export type GpgSignMode = "clearsign" | "attached" | "detached";

export interface GpgOptions {
  /** gpg home directory; defaults to GNUPGHOME or gpg's own default. */
  readonly homedir?: string | undefined;
  /** The gpg executable; defaults to `gpg` on PATH. */
  readonly gpgPath?: string | undefined;
  /** Gives up after this long (default 60 s), e.g. when gpg waits for a passphrase. */
  readonly timeoutMs?: number | undefined;
}

export interface GpgSignOptions extends GpgOptions {
  /** Any key specifier gpg accepts (fingerprint, key id, user id) naming exactly one secret key. */
  readonly key: string;
  readonly mode: GpgSignMode;
  /** ASCII armor for attached and detached signatures (clearsigned text is always armored); default true. */
  readonly armor?: boolean | undefined;
  /** Override gpg's hash choice (e.g. SHA512). */
  readonly digestAlgorithm?: string | undefined;
}

export interface GpgSignature {
  /** gpg's output: armored text or binary packets. */
  readonly output: Uint8Array;
  /** The signer's primary key fingerprint, uppercase hex. */
  readonly fingerprint: string;
  /** `openpgp4fpr:<fingerprint>`, the grafeas.v1 public_key_id. */
  readonly publicKeyId: string;
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: Buffer;
  readonly stderr: string;
}

function run(args: readonly string[], input: Uint8Array | undefined, options: GpgOptions): Promise<RunResult> {
  const gpg = options.gpgPath ?? "gpg";
  const fullArgs = ["--batch", "--no-tty", ...(options.homedir ? ["--homedir", options.homedir] : []), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(gpg, fullArgs, {
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
      env: process.env,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "ENOENT"
          ? new AttestationError("GPG_UNAVAILABLE", `${gpg} is not installed or not on PATH`, { cause: error })
          : new AttestationError("GPG_UNAVAILABLE", `${gpg} cannot be run: ${error.message}`, { cause: error }),
      );
    });
    child.on("close", (code) => {
      resolve({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString("utf8") });
    });
    // gpg may exit before reading stdin (unknown key); that is reported through its exit code.
    child.stdin.on("error", () => undefined);
    child.stdin.end(input === undefined ? undefined : Buffer.from(input));
  });
}

function lastLine(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return (lines[lines.length - 1] ?? "no output").slice(0, 300);
}

/** The full fingerprint of the one secret key `key` names; SIGNING_KEY_UNKNOWN if none or several. */
export async function gpgSecretKeyFingerprint(key: string, options: GpgOptions = {}): Promise<string> {
  if (key.trim() === "" || key.startsWith("-")) {
    throw new AttestationError("SIGNING_KEY_UNKNOWN", "no signing key was named");
  }
  const result = await run(["--with-colons", "--list-secret-keys", "--", key], undefined, options);
  const lines = result.stdout.toString("utf8").split("\n");
  const fingerprints: string[] = [];
  for (const [index, line] of lines.entries()) {
    if (!line.startsWith("sec:")) continue;
    const fpr = lines.slice(index + 1).find((l) => l.startsWith("fpr:"));
    const value = fpr?.split(":")[9];
    if (value) fingerprints.push(value.toUpperCase());
  }
  if (result.code !== 0 || fingerprints.length === 0) {
    throw new AttestationError("SIGNING_KEY_UNKNOWN", `gpg has no secret key ${JSON.stringify(key)}`);
  }
  if (fingerprints.length > 1) {
    throw new AttestationError(
      "SIGNING_KEY_UNKNOWN",
      `${JSON.stringify(key)} names ${fingerprints.length} secret keys; give a fingerprint`,
    );
  }
  return fingerprints[0]!;
}

const modeFlags: Record<GpgSignMode, string> = {
  clearsign: "--clearsign",
  attached: "--sign",
  detached: "--detach-sign",
};

/** Signs `data` with gpg and reports the signer's fingerprint. */
export async function gpgSign(data: Uint8Array, options: GpgSignOptions): Promise<GpgSignature> {
  const fingerprint = await gpgSecretKeyFingerprint(options.key, options);
  const armor = options.mode === "clearsign" || options.armor !== false;
  const args = [
    "--yes",
    "--local-user",
    fingerprint,
    ...(armor && options.mode !== "clearsign" ? ["--armor"] : []),
    ...(options.digestAlgorithm ? ["--digest-algo", options.digestAlgorithm] : []),
    "--output",
    "-",
    modeFlags[options.mode],
  ];
  const result = await run(args, data, options);
  if (result.code !== 0 || result.stdout.length === 0) {
    throw new AttestationError("SIGNING_FAILED", `gpg exited with ${result.code ?? "a signal"}: ${lastLine(result.stderr)}`);
  }
  return { output: new Uint8Array(result.stdout), fingerprint, publicKeyId: `openpgp4fpr:${fingerprint}` };
}
