/**
 * @module cli/commands/certs
 *
 * `scriba certs`: creates the webhook's TLS material (a private CA and a
 * serving certificate for its Service), writes it to a directory, and prints
 * the `caBundle` for the webhook configuration and the command that stores the
 * serving pair as a Secret.
 */
import { parseArgs } from "node:util";
import { invalidArgument } from "../../errors.js";
import { writeWebhookCertificates } from "../../tls/certificate-files.js";
import { defaultCertificateDays, generateWebhookCertificates } from "../../tls/webhook-certificates.js";
import type { CliIO, Command } from "../command.js";
import { exitCodes } from "../command.js";

const usage = `Usage: scriba certs --out DIR --service NAME --namespace NS [options]

Creates a CA and a TLS serving certificate (ECDSA P-256) for the admission
webhook's Service, and writes ca.crt, ca.key, tls.crt and tls.key to DIR.
The serving certificate names NAME, NAME.NS, NAME.NS.svc and
NAME.NS.svc.cluster.local. Keys are written readable by their owner only.

Options:
  --out DIR          Directory to write to (created if missing)
  --service NAME     The webhook's Service name
  --namespace NS     The Service's namespace
  --dns NAME         Another DNS name for the serving certificate (repeatable)
  --ip ADDRESS       An IP address for the serving certificate (repeatable)
  --days N           Validity in days (default ${defaultCertificateDays})
  --force            Overwrite existing files

Prints the base64 caBundle for the ValidatingWebhookConfiguration and a
kubectl command that stores tls.crt and tls.key as a Secret.
`;

/** Quotes a path for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w./:@%+=-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

function parseDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw invalidArgument(`--days must be a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw invalidArgument(`${flag} is required (see scriba certs --help)`);
  return value;
}

export const certsCommand: Command = {
  name: "certs",
  summary: "Create the webhook's CA and TLS serving certificate",
  help: () => usage,
  async run(args: readonly string[], io: CliIO): Promise<number> {
    let values;
    try {
      ({ values } = parseArgs({
        args: [...args],
        strict: true,
        allowPositionals: false,
        options: {
          out: { type: "string" },
          service: { type: "string" },
          namespace: { type: "string" },
          dns: { type: "string", multiple: true },
          ip: { type: "string", multiple: true },
          days: { type: "string" },
          force: { type: "boolean" },
        },
      }));
    } catch (error) {
      throw invalidArgument(error instanceof Error ? error.message : String(error));
    }
    const out = required(values.out, "--out");
    const service = required(values.service, "--service");
    const namespace = required(values.namespace, "--namespace");
    const days = parseDays(values.days);

    const certificates = await generateWebhookCertificates({
      service,
      namespace,
      dnsNames: values.dns ?? [],
      ipAddresses: values.ip ?? [],
      ...(days === undefined ? {} : { days }),
    });
    const paths = await writeWebhookCertificates(out, certificates, { force: values.force === true });

    const names = [...certificates.dnsNames, ...certificates.ipAddresses].join(", ");
    io.stdout(
      [
        `Wrote ${paths.caCertificate}, ${paths.caPrivateKey}, ${paths.certificate} and ${paths.privateKey} (keys mode 0600).`,
        `The serving certificate names ${names} and expires ${certificates.notAfter.toISOString()}.`,
        "",
        "caBundle (clientConfig.caBundle of the ValidatingWebhookConfiguration):",
        certificates.caBundle,
        "",
        "Store the serving pair as a Secret:",
        `kubectl create secret tls ${service}-tls --namespace ${namespace} --cert=${shellWord(paths.certificate)} --key=${shellWord(paths.privateKey)}`,
        "",
      ].join("\n"),
    );
    return exitCodes.ok;
  },
};
