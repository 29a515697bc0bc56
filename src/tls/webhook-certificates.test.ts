import "reflect-metadata";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { once } from "node:events";
import { createServer, request } from "node:https";
import type { AddressInfo } from "node:net";
import * as x509 from "@peculiar/x509";
import { ScribaError } from "../errors.js";
import { withTimeout } from "../../test/support/wait.js";
import { generateWebhookCertificates, serviceDnsNames } from "./webhook-certificates.js";

/** Starts an HTTPS server with the serving pair and makes one request trusting only `ca`, with SNI `servername`. */
async function handshake(
  certificates: { certificatePem: string; privateKeyPem: string },
  ca: string,
  servername: string,
): Promise<string> {
  const server = createServer({ cert: certificates.certificatePem, key: certificates.privateKeyPem }, (_req, res) => res.end("hello"));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  try {
    return await withTimeout(
      new Promise<string>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/", ca, servername, agent: false }, (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (body += chunk));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.end();
      }),
      "the TLS request",
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe("generateWebhookCertificates", () => {
  test("issues a serving certificate that a TLS client trusting only the CA accepts for the Service's DNS name", async () => {
    const certificates = await generateWebhookCertificates({ service: "scriba-webhook", namespace: "scriba" });
    assert.equal(await handshake(certificates, certificates.caCertificatePem, "scriba-webhook.scriba.svc"), "hello");
  });

  test("is refused by a client that expects another name", async () => {
    const certificates = await generateWebhookCertificates({ service: "scriba-webhook", namespace: "scriba" });
    await assert.rejects(handshake(certificates, certificates.caCertificatePem, "other.example"), { code: "ERR_TLS_CERT_ALTNAME_INVALID" });
  });

  test("is refused by a client that trusts another CA", async () => {
    const certificates = await generateWebhookCertificates({ service: "scriba-webhook", namespace: "scriba" });
    const other = await generateWebhookCertificates({ service: "scriba-webhook", namespace: "scriba" });
    await assert.rejects(handshake(certificates, other.caCertificatePem, "scriba-webhook.scriba.svc"), (e: unknown) =>
      /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/i.test(String((e as NodeJS.ErrnoException).code ?? e)),
    );
  });

  test("names the Service in every in-cluster form, then the extra DNS names and IP addresses", async () => {
    const certificates = await generateWebhookCertificates({
      service: "scriba-webhook",
      namespace: "scriba",
      dnsNames: ["webhook.example.com"],
      ipAddresses: ["127.0.0.1", "::1"],
    });
    const serving = new X509Certificate(certificates.certificatePem);
    assert.equal(
      serving.subjectAltName,
      [
        ...serviceDnsNames("scriba-webhook", "scriba").map((n) => `DNS:${n}`),
        "DNS:webhook.example.com",
        "IP Address:127.0.0.1",
        "IP Address:0:0:0:0:0:0:0:1",
      ].join(", "),
    );
    assert.deepEqual(certificates.dnsNames, [
      "scriba-webhook",
      "scriba-webhook.scriba",
      "scriba-webhook.scriba.svc",
      "scriba-webhook.scriba.svc.cluster.local",
      "webhook.example.com",
    ]);
  });

  test("makes the CA a CA that signs certificates, and the serving certificate a server-only leaf it signed", async () => {
    const certificates = await generateWebhookCertificates({ service: "scriba-webhook", namespace: "scriba" });
    const ca = new X509Certificate(certificates.caCertificatePem);
    const serving = new X509Certificate(certificates.certificatePem);
    assert.equal(ca.ca, true);
    assert.equal(serving.ca, false);
    assert.equal(serving.checkIssued(ca), true);
    assert.equal(serving.verify(ca.publicKey), true);
    // Node reports the extended key usage as `keyUsage`.
    assert.deepEqual(serving.keyUsage, ["1.3.6.1.5.5.7.3.1"]);

    const caUsage = new x509.X509Certificate(certificates.caCertificatePem).getExtension(x509.KeyUsagesExtension);
    const servingUsage = new x509.X509Certificate(certificates.certificatePem).getExtension(x509.KeyUsagesExtension);
    assert.equal(caUsage?.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    assert.equal(caUsage?.critical, true);
    assert.equal(servingUsage?.usages, x509.KeyUsageFlags.digitalSignature);
    const constraints = new x509.X509Certificate(certificates.caCertificatePem).getExtension(x509.BasicConstraintsExtension);
    assert.equal(constraints?.pathLength, 0);
  });

  test("uses ECDSA P-256 keys in PKCS#8 PEM", async () => {
    const certificates = await generateWebhookCertificates({ service: "scriba-webhook", namespace: "scriba" });
    for (const pem of [certificates.privateKeyPem, certificates.caPrivateKeyPem]) {
      assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
      const key = createPrivateKey(pem);
      assert.equal(key.asymmetricKeyType, "ec");
      assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
    }
  });

  test("is valid from shortly before the issuing time for the number of days asked", async () => {
    const now = new Date("2030-01-01T00:00:00Z");
    const certificates = await generateWebhookCertificates({ service: "s", namespace: "n", days: 30, now });
    assert.equal(certificates.notAfter.toISOString(), "2030-01-31T00:00:00.000Z");
    assert.equal(certificates.notBefore.toISOString(), "2029-12-31T23:55:00.000Z");
    assert.equal(new X509Certificate(certificates.caCertificatePem).validTo, "Jan 31 00:00:00 2030 GMT");
  });

  test("gives the caBundle as the base64 of the CA certificate PEM", async () => {
    const certificates = await generateWebhookCertificates({ service: "s", namespace: "n" });
    assert.equal(Buffer.from(certificates.caBundle, "base64").toString("utf8"), certificates.caCertificatePem);
  });

  for (const [what, options] of [
    ["a service name that is not a DNS label", { service: "Scriba_Webhook", namespace: "n" }],
    ["a namespace that is not a DNS label", { service: "s", namespace: "a.b" }],
    ["an extra DNS name with an underscore", { service: "s", namespace: "n", dnsNames: ["bad_name.example"] }],
    ["an IP address that is not one", { service: "s", namespace: "n", ipAddresses: ["999.1.1.1"] }],
    ["a validity of zero days", { service: "s", namespace: "n", days: 0 }],
  ] as const) {
    test(`refuses ${what} as INVALID_ARGUMENT`, async () => {
      await assert.rejects(generateWebhookCertificates(options), (e: unknown) => e instanceof ScribaError && e.code === "INVALID_ARGUMENT");
    });
  }
});
