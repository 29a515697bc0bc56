/**
 * TLS modes and password sources against a private PostgreSQL server that
 * speaks TLS with a certificate from a test CA and asks for passwords:
 *
 * - user `tls_only` may connect only over TLS (no password), so a store
 *   that connects as it proves the connection is encrypted;
 * - user `app` must give a SCRAM password.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import pg from "pg";
import { OpensslDir } from "../../attest/__fixtures__/openssl.js";
import { rejectsWith } from "../conformance/harness.js";
import type { PostgresStoreOptions } from "./connection-options.js";
import { openPostgresStore } from "./postgres-store.js";
import { describeWithPrivateCluster } from "./__fixtures__/private-cluster.js";

const openssl = OpensslDir.create();
after(() => openssl.remove());

/** A CA, and a server certificate it signed for 127.0.0.1 only; plus an unrelated CA. */
function makeCertificates(): { serverCert: string; serverKey: string } {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl.run(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=Scriba test CA"]);
  openssl.run(["req", "-x509", ...ec, "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2", "-subj", "/CN=Another CA"]);
  openssl.run(["req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(openssl.path("san.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl.run([
    "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
    "-out", "server.crt", "-days", "2", "-extfile", "san.ext",
  ]);
  return { serverCert: readFileSync(openssl.path("server.crt"), "utf8"), serverKey: readFileSync(openssl.path("server.key"), "utf8") };
}

const certificates = makeCertificates();
const appPassword = "correct horse battery staple";

describeWithPrivateCluster(
  "PostgreSQL TLS modes and password sources",
  {
    settings: { ssl: "on", ssl_cert_file: "'server.crt'", ssl_key_file: "'server.key'", password_encryption: "'scram-sha-256'" },
    files: { "server.crt": certificates.serverCert, "server.key": certificates.serverKey },
    hba: [
      "hostssl all tls_only 127.0.0.1/32 trust",
      "host all tls_only 127.0.0.1/32 reject",
      "host all app 127.0.0.1/32 scram-sha-256",
    ],
  },
  (cluster) => {
    before(async () => {
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      try {
        await admin.query("CREATE ROLE tls_only LOGIN");
        await admin.query(`CREATE ROLE app LOGIN PASSWORD '${appPassword}'`);
        await admin.query("GRANT CREATE ON DATABASE postgres TO tls_only, app");
      } finally {
        await admin.end();
      }
    });

    const fast = { connectionTimeoutMs: 3000 };
    /** Opens a store, checks it works, closes it. */
    async function opens(options: PostgresStoreOptions): Promise<void> {
      const store = await openPostgresStore({ ...fast, ...options });
      try {
        await store.createProject(`p${Math.random().toString(36).slice(2)}`);
        await store.ping();
      } finally {
        await store.close();
      }
    }
    const tlsUser = (host = "127.0.0.1") => `postgres://tls_only@${host}:${cluster.port}/postgres`;
    const ca = openssl.path("ca.crt");

    test("verify-full with the right CA connects over TLS", async () => {
      await opens({ url: tlsUser(), sslMode: "verify-full", caFile: ca, schema: "tls_full" });
    });

    test("sslmode=disable is refused by a server that demands TLS, as UNAVAILABLE", async () => {
      const error = await rejectsWith(openPostgresStore({ ...fast, url: tlsUser(), schema: "tls_off" }), "UNAVAILABLE");
      assert.match(error.message, /refused the credentials/);
    });

    test("verify-full refuses a server whose certificate another CA signed", async () => {
      const error = await rejectsWith(
        openPostgresStore({ ...fast, url: tlsUser(), sslMode: "verify-full", caFile: openssl.path("other-ca.crt") }),
        "UNAVAILABLE",
      );
      assert.match(error.message, /TLS: /);
    });

    test("verify-full refuses a certificate that does not name the host; verify-ca accepts it", async () => {
      const error = await rejectsWith(
        openPostgresStore({ ...fast, url: tlsUser("localhost"), sslMode: "verify-full", caFile: ca }),
        "UNAVAILABLE",
      );
      assert.match(error.message, /TLS: ERR_TLS_CERT_ALTNAME_INVALID/);
      await opens({ url: tlsUser("localhost"), sslMode: "verify-ca", caFile: ca, schema: "tls_ca" });
    });

    test("verify-full without a CA file trusts only the system CAs, so it refuses the test CA", async () => {
      await rejectsWith(openPostgresStore({ ...fast, url: `${tlsUser()}?sslmode=verify-full` }), "UNAVAILABLE");
    });

    test("sslmode=require encrypts without verifying the server", async () => {
      await opens({ url: `${tlsUser("localhost")}?sslmode=require`, schema: "tls_require" });
    });

    test("a password from the URL, a password file or PGPASSWORD logs in", async () => {
      const app = `postgres://app@127.0.0.1:${cluster.port}/postgres`;
      await opens({ url: `postgres://app:${encodeURIComponent(appPassword)}@127.0.0.1:${cluster.port}/postgres`, schema: "pw_url" });
      const file = openssl.path("app-password");
      writeFileSync(file, `${appPassword}\n`);
      await opens({ url: app, passwordFile: file, schema: "pw_file" });
      await opens({ url: app, env: { PGPASSWORD: appPassword }, schema: "pw_env" });
    });

    test("a wrong password is UNAVAILABLE and no password appears in the error", async () => {
      const wrong = "not-the-Password-42";
      const error = await rejectsWith(
        openPostgresStore({ ...fast, url: `postgres://app:${wrong}@127.0.0.1:${cluster.port}/postgres` }),
        "UNAVAILABLE",
      );
      assert.match(error.message, /refused the credentials/);
      for (const secret of [wrong, appPassword]) assert.ok(!error.message.includes(secret), error.message);
    });

    test("a rotated password file is picked up by new connections without reopening the store", async () => {
      const file = openssl.path("rotating-password");
      writeFileSync(file, appPassword);
      const store = await openPostgresStore({
        ...fast,
        url: `postgres://app@127.0.0.1:${cluster.port}/postgres`,
        passwordFile: file,
        schema: "pw_rotation",
        applicationName: "rotation",
      });
      const admin = new pg.Client({ connectionString: cluster.url });
      await admin.connect();
      try {
        await store.createProject("before");
        await admin.query("ALTER ROLE app PASSWORD 'rotated-password'");
        writeFileSync(file, "rotated-password\n");
        await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'rotation'");
        let recovered = false;
        for (let attempt = 0; attempt < 10 && !recovered; attempt++) {
          recovered = await store.getProject("before").then(() => true, () => false);
        }
        assert.ok(recovered, "the store did not reconnect with the rotated password");
      } finally {
        await admin.query(`ALTER ROLE app PASSWORD '${appPassword}'`);
        await admin.end();
        await store.close();
      }
    });
  },
);
