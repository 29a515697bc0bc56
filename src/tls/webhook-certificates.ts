/**
 * @module tls/webhook-certificates
 *
 * TLS material for the admission webhook: a private CA and a serving
 * certificate it signs, both ECDSA P-256. The API server calls the webhook at
 * `https://SERVICE.NAMESPACE.svc:PORT` and checks the serving certificate
 * against the `caBundle` of the webhook configuration, so the certificate
 * names the Service in every form a client may use (`NAME`, `NAME.NS`,
 * `NAME.NS.svc`, `NAME.NS.svc.cluster.local`), plus any extra DNS names or IP
 * addresses (a node port, a loopback address for local tests).
 *
 * Kritis created this material with cfssl and a `certificates.k8s.io/v1beta1`
 * CSR from a Helm hook; that API is gone since Kubernetes 1.22. Here it is made
 * in-process with WebCrypto and `@peculiar/x509` (Node can parse certificates
 * but not create them), so neither a CSR nor an external tool is needed. In a
 * cluster with cert-manager, prefer its Certificates.
 */
import "reflect-metadata";
import { isIP } from "node:net";
import { randomBytes, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { invalidArgument } from "../errors.js";
import { namespaceNameProblem } from "../policy/crds/kritis-api.js";

export interface WebhookCertificateOptions {
  /** The webhook's Service name. */
  readonly service: string;
  /** The Service's namespace. */
  readonly namespace: string;
  /** More DNS names for the serving certificate. */
  readonly dnsNames?: readonly string[];
  /** IP addresses for the serving certificate (IPv4 or IPv6). */
  readonly ipAddresses?: readonly string[];
  /** Validity of both certificates, in days (default 365, at most 3650). */
  readonly days?: number;
  /** The issuing time (default: now). Certificates are valid from 5 minutes before it, for clock skew. */
  readonly now?: Date;
}

export interface WebhookCertificates {
  /** The CA certificate, PEM. */
  readonly caCertificatePem: string;
  /** The CA private key, PKCS#8 PEM. */
  readonly caPrivateKeyPem: string;
  /** The serving certificate, PEM. */
  readonly certificatePem: string;
  /** The serving private key, PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** Base64 of the CA certificate PEM: the webhook configuration's `clientConfig.caBundle`. */
  readonly caBundle: string;
  /** The serving certificate's DNS names, the Service forms first. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export const defaultCertificateDays = 365;
const maximumCertificateDays = 3650;
const clockSkewMs = 5 * 60 * 1000;
const ecdsaP256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dnsLabel = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?|\*)$/;

function serviceNameProblem(name: string): string | undefined {
  if (name.length > 63) return "must be at most 63 characters";
  return dns1035Label.test(name) ? undefined : "must be a lowercase DNS-1035 label (a letter first, then letters, digits and '-')";
}

function dnsNameProblem(name: string): string | undefined {
  if (name.length > 253) return "must be at most 253 characters";
  const labels = name.split(".");
  const wellFormed = labels.every((label, index) => label.length <= 63 && dnsLabel.test(label) && (label !== "*" || index === 0));
  return wellFormed ? undefined : "must be a lowercase DNS name (letters, digits, '-' and '.'; '*' only as the first label)";
}

/** The names a Service is reached by inside the cluster, shortest first. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/** A random positive 128-bit serial number, as hex. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x01;
  return bytes.toString("hex");
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return `${x509.PemConverter.encode(der, "PRIVATE KEY")}\n`;
}

function checked(options: WebhookCertificateOptions): { dnsNames: string[]; ipAddresses: string[]; days: number } {
  const serviceProblem = serviceNameProblem(options.service);
  if (serviceProblem !== undefined) throw invalidArgument(`service name ${JSON.stringify(options.service)} ${serviceProblem}`);
  const namespaceProblem = namespaceNameProblem(options.namespace);
  if (namespaceProblem !== undefined) throw invalidArgument(`namespace ${JSON.stringify(options.namespace)} ${namespaceProblem}`);
  for (const name of options.dnsNames ?? []) {
    const why = dnsNameProblem(name);
    if (why !== undefined) throw invalidArgument(`DNS name ${JSON.stringify(name)} ${why}`);
  }
  for (const address of options.ipAddresses ?? []) {
    if (isIP(address) === 0) throw invalidArgument(`${JSON.stringify(address)} is not an IPv4 or IPv6 address`);
  }
  const days = options.days ?? defaultCertificateDays;
  if (!Number.isInteger(days) || days < 1 || days > maximumCertificateDays) {
    throw invalidArgument(`validity must be a whole number of days from 1 to ${maximumCertificateDays}, got ${days}`);
  }
  const dnsNames = [...new Set([...serviceDnsNames(options.service, options.namespace), ...(options.dnsNames ?? [])])];
  const ipAddresses = [...new Set(options.ipAddresses ?? [])];
  return { dnsNames, ipAddresses, days };
}

/**
 * Creates a CA and a serving certificate for the webhook Service. Throws
 * INVALID_ARGUMENT for a malformed name, address or validity.
 */
export async function generateWebhookCertificates(options: WebhookCertificateOptions): Promise<WebhookCertificates> {
  const { dnsNames, ipAddresses, days } = checked(options);
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - clockSkewMs);
  const notAfter = new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
  const crypto = webcrypto;

  const caKeys = (await webcrypto.subtle.generateKey(ecdsaP256, true, ["sign", "verify"]));
  const servingKeys = (await webcrypto.subtle.generateKey(ecdsaP256, true, ["sign", "verify"]));

  const caName = `${options.service}.${options.namespace} webhook CA`;
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      // Common names are limited to 64 characters; long Service names get a generic CA name.
      name: [{ CN: [caName.length <= 64 ? caName : "scriba webhook CA"] }],
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: ecdsaP256,
      extensions: [
        // A CA that may sign end-entity certificates only.
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const servingName = `${options.service}.${options.namespace}.svc`;
  const serving = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: [{ CN: [servingName.length <= 64 ? servingName : options.service] }],
      issuer: ca.subject,
      notBefore,
      notAfter,
      publicKey: servingKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ecdsaP256,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        // ECDSA keys sign the TLS handshake; key encipherment is an RSA notion.
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.SubjectAlternativeNameExtension([
          ...dnsNames.map((value) => ({ type: "dns" as const, value })),
          ...ipAddresses.map((value) => ({ type: "ip" as const, value })),
        ]),
        await x509.SubjectKeyIdentifierExtension.create(servingKeys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey, false, crypto),
      ],
    },
    crypto,
  );

  const caCertificatePem = `${ca.toString("pem")}\n`;
  return {
    caCertificatePem,
    caPrivateKeyPem: await privateKeyPem(caKeys.privateKey),
    certificatePem: `${serving.toString("pem")}\n`,
    privateKeyPem: await privateKeyPem(servingKeys.privateKey),
    caBundle: Buffer.from(caCertificatePem).toString("base64"),
    dnsNames,
    ipAddresses,
    notBefore: serving.notBefore,
    notAfter: serving.notAfter,
  };
}
