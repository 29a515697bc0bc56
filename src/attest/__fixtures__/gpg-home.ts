/**
 * @module attest/__fixtures__/gpg-home
 *
 * A throw-away GnuPG home for tests: real `gpg` makes the keys and signatures
 * the verifier is tested against. Each test file creates one home (keys are
 * generated once per file) and removes it, and its gpg-agent, afterwards.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface GpgRunOptions {
  readonly input?: Uint8Array | string;
  /** gpg's --faked-system-time, e.g. `20200101T000000`. */
  readonly fakedTime?: string;
  /** The passphrase gpg uses (loopback pinentry); empty, so keys are unprotected, by default. */
  readonly passphrase?: string;
}

export class GpgHome {
  private constructor(readonly dir: string) {}

  static create(): GpgHome {
    return new GpgHome(mkdtempSync(join(tmpdir(), "scriba-gpg-")));
  }

  /** Runs gpg in this home; throws with gpg's stderr when it fails. */
  run(args: readonly string[], options: GpgRunOptions = {}): Buffer {
    const fullArgs = [
      "--batch",
      "--no-tty",
      "--homedir",
      this.dir,
      "--pinentry-mode",
      "loopback",
      "--passphrase",
      options.passphrase ?? "",
      ...(options.fakedTime ? ["--faked-system-time", options.fakedTime] : []),
      ...args,
    ];
    const result = spawnSync("gpg", fullArgs, { input: options.input ?? "", maxBuffer: 16 * 1024 * 1024 });
    if (result.status !== 0) {
      throw new Error(`gpg ${args.join(" ")} failed: ${result.stderr.toString("utf8")}`);
    }
    return result.stdout;
  }

  /** `--quick-generate-key`; returns the new primary key's fingerprint. */
  generate(userId: string, algorithm = "default", usage = "default", expire = "never", fakedTime?: string): string {
    this.run(["--quick-generate-key", userId, algorithm, usage, expire], fakedTime ? { fakedTime } : {});
    return this.fingerprints(userId)[0]!;
  }

  /** `--quick-add-key`; returns the new subkey's fingerprint. */
  addSubkey(primary: string, algorithm: string, usage: string, expire = "never", fakedTime?: string): string {
    const before = new Set(this.fingerprints(primary));
    this.run(["--quick-add-key", primary, algorithm, usage, expire], fakedTime ? { fakedTime } : {});
    return this.fingerprints(primary).find((f) => !before.has(f))!;
  }

  /** Primary then subkey fingerprints of the key(s) matching `spec`. */
  fingerprints(spec: string): string[] {
    return this.run(["--with-colons", "--fingerprint", "--", spec])
      .toString("utf8")
      .split("\n")
      .filter((line) => line.startsWith("fpr:"))
      .map((line) => line.split(":")[9]!);
  }

  exportPublic(spec: string): string {
    return this.run(["--armor", "--export", "--", spec]).toString("utf8");
  }

  /** `--quick-generate-key` with the secret key protected by `passphrase`; returns the primary fingerprint. */
  generateProtected(userId: string, passphrase: string, algorithm = "default"): string {
    this.run(["--quick-generate-key", userId, algorithm, "default", "never"], { passphrase });
    return this.fingerprints(userId)[0]!;
  }

  /** The armored secret key(s) matching `spec`, as `gpg --armor --export-secret-keys` writes them (still protected, if they are). */
  exportSecret(spec: string, passphrase = ""): string {
    return this.run(["--armor", "--export-secret-keys", "--", spec], { passphrase }).toString("utf8");
  }

  /** Signs `data` with `signer` (a fingerprint; append `!` to force a subkey) using the given mode flags. */
  sign(signer: string, flags: readonly string[], data: Uint8Array | string, fakedTime?: string): Buffer {
    return this.run(["--yes", "--local-user", signer, "--output", "-", ...flags], {
      input: data,
      ...(fakedTime ? { fakedTime } : {}),
    });
  }

  /** Imports the revocation certificate gpg made at key generation, revoking the key. */
  revoke(fingerprint: string): void {
    const certificate = readFileSync(join(this.dir, "openpgp-revocs.d", `${fingerprint}.rev`), "utf8");
    // gpg prefixes the armor line with ":" so the certificate is not imported by accident.
    this.run(["--import"], { input: certificate.replace(/^:-----BEGIN/m, "-----BEGIN") });
  }

  remove(): void {
    spawnSync("gpgconf", ["--homedir", this.dir, "--kill", "gpg-agent"]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
