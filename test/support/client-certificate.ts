/**
 * @module test/support/client-certificate
 *
 * Client certificates for mutual-TLS tests, made by `openssl` so that the
 * material does not come from the code under test. Each is self-signed, so it
 * can also stand as the client CA that trusts it.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface ClientCertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  /** PEM certificate. */
  readonly cert: string;
  /** PEM private key (PKCS#8, unencrypted). */
  readonly key: string;
}

/** A P-256 certificate for `CN=name`, valid for a day, written to `dir/name.crt` and `dir/name.key`. */
export function opensslClientCertificate(dir: string, name: string): ClientCertificateFiles {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${name}`, "-days", "1", "-keyout", keyFile, "-out", certFile],
    { stdio: "ignore" },
  );
  return { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
}
