/**
 * @module admission/__fixtures__/test-tls
 *
 * TLS material made by the real `openssl` binary for webhook tests: a CA and
 * a serving certificate for 127.0.0.1 and localhost signed by it, as a
 * cluster operator would make them for a webhook's `caBundle`. Everything
 * lives in a temporary directory that {@link TestTls.remove} deletes.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export class TestTls {
  private constructor(readonly dir: string) {}

  get caFile(): string {
    return join(this.dir, "ca.crt");
  }
  get certFile(): string {
    return join(this.dir, "server.crt");
  }
  get keyFile(): string {
    return join(this.dir, "server.key");
  }
  get ca(): string {
    return readFileSync(this.caFile, "utf8");
  }
  get cert(): string {
    return readFileSync(this.certFile, "utf8");
  }
  get key(): string {
    return readFileSync(this.keyFile, "utf8");
  }

  static create(): TestTls {
    const tls = new TestTls(mkdtempSync(join(tmpdir(), "scriba-tls-")));
    const run = (args: readonly string[]) => {
      const result = spawnSync("openssl", args, { cwd: tls.dir });
      if (result.status !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${result.stderr.toString("utf8")}`);
    };
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    run(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=scriba test CA",
      "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    run(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=scriba-webhook"]);
    writeFileSync(
      join(tls.dir, "server.ext"),
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n",
    );
    run(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.crt",
      "-days", "1", "-extfile", "server.ext"]);
    return tls;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
