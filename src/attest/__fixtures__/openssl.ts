/**
 * @module attest/__fixtures__/openssl
 *
 * Runs the real `openssl` binary for tests: key generation, signatures and an
 * independent computation of key ids, in a throw-away directory.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export class OpensslDir {
  private constructor(readonly dir: string) {}

  static create(): OpensslDir {
    return new OpensslDir(mkdtempSync(join(tmpdir(), "scriba-openssl-")));
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  run(args: readonly string[], input?: Uint8Array): Buffer {
    const result = spawnSync("openssl", args, { cwd: this.dir, ...(input ? { input } : {}) });
    if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr.toString("utf8")}`);
    return result.stdout;
  }

  /** `openssl genpkey` with options; returns the private and public PEM texts. */
  generate(name: string, algorithm: string, options: readonly string[] = []): { privatePem: string; publicPem: string } {
    this.run(["genpkey", "-algorithm", algorithm, ...options.flatMap((o) => ["-pkeyopt", o]), "-out", `${name}.pem`]);
    this.run(["pkey", "-in", `${name}.pem`, "-pubout", "-out", `${name}.pub.pem`]);
    return { privatePem: readFileSync(this.path(`${name}.pem`), "utf8"), publicPem: readFileSync(this.path(`${name}.pub.pem`), "utf8") };
  }

  /** `openssl dgst -<hash> -sign` (ECDSA DER, RSA PKCS#1 or, with sigopts, PSS). */
  sign(name: string, hash: string, data: Uint8Array, sigopts: readonly string[] = []): Buffer {
    writeFileSync(this.path("payload"), data);
    return this.run(["dgst", `-${hash}`, ...sigopts.flatMap((o) => ["-sigopt", o]), "-sign", `${name}.pem`, "payload"]);
  }

  /** `openssl pkeyutl -sign -rawin` (Ed25519 signs the message itself). */
  signRaw(name: string, data: Uint8Array): Buffer {
    writeFileSync(this.path("payload"), data);
    return this.run(["pkeyutl", "-sign", "-rawin", "-inkey", `${name}.pem`, "-in", "payload"]);
  }

  /** `ni:///sha-256;` id computed by openssl: DER SPKI, then SHA-256. */
  niId(name: string): string {
    const der = this.run(["pkey", "-pubin", "-in", `${name}.pub.pem`, "-outform", "DER"]);
    const digest = this.run(["dgst", "-sha256", "-binary"], der);
    return `ni:///sha-256;${digest.toString("base64").replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
