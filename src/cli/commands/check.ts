/**
 * @module cli/commands/check
 *
 * `scriba check`: the admission engine for CI pipelines. Every object in the
 * manifests is judged as the webhook would judge its CREATE in its namespace,
 * against the same policies and the same metadata, without side effects (no
 * attest-on-pass attestation is stored).
 *
 * Exit codes: 0 when every object is admitted (dry-run would-be denials and
 * breakglass are admissions, reported as warnings), 1 when any is denied, 2
 * for usage errors, which include a manifest or policy directory that cannot
 * be read or parsed: input that cannot be judged is never reported as
 * admitted.
 */
import { readFile } from "node:fs/promises";
import { describeManifestOrigin, readManifestObjects } from "../../admission/manifest-objects.js";
import type { ManifestObject } from "../../admission/manifest-objects.js";
import type { StoreOpener } from "../../admission/embedded-metadata.js";
import { defaultStoreOpener, openMetadataSource } from "../../admission/embedded-metadata.js";
import type { AdmissionOutcome } from "../../admission/review-admission.js";
import { createAdmissionReviewer } from "../../admission/review-admission.js";
import { ScribaError, invalidArgument } from "../../errors.js";
import { describeObjectReference, reasonMessage } from "../../policy/decision.js";
import { loadPolicyDirectory } from "../../policy/policy-documents.js";
import type { PolicySet } from "../../policy/policy-set.js";
import { namespaceNameProblem } from "../../policy/crds/kritis-api.js";
import type { CliIO, Command } from "../command.js";
import { exitCodes } from "../command.js";
import { configFileSetting, describeSettings, oneOf, readCommandSettings, required, setting, text } from "../settings.js";
import { metadataLocation, metadataSettings, policyDirSetting } from "./admission-settings.js";

const outputs = ["text", "json"] as const;

const specs = {
  file: setting({
    flag: "file",
    short: "f",
    key: "check.files",
    env: "SCRIBA_CHECK_FILES",
    valueName: "FILE",
    description: "A manifest file: multi-document YAML or JSON, Lists included (-f; repeatable). Required.",
    multiple: true,
    parse: text,
  }),
  policyDir: policyDirSetting,
  ...metadataSettings,
  namespace: setting({
    flag: "namespace",
    key: "check.namespace",
    env: "SCRIBA_CHECK_NAMESPACE",
    valueName: "NS",
    description: "Namespace for objects whose manifest names none.",
    default: "default",
    parse: (value) => {
      const problem = namespaceNameProblem(value);
      if (problem !== undefined) throw invalidArgument(`--namespace ${JSON.stringify(value)} ${problem}`);
      return value;
    },
  }),
  output: setting({
    flag: "output",
    key: "check.output",
    env: "SCRIBA_CHECK_OUTPUT",
    valueName: "FORMAT",
    description: "text (a readable report) or json.",
    default: "text",
    parse: oneOf("--output", outputs),
  }),
};

interface Judged {
  readonly object: ManifestObject;
  readonly outcome: AdmissionOutcome;
}

function objectJson({ object, outcome }: Judged) {
  const decision = outcome.decision;
  return {
    source: object.origin.source,
    document: object.origin.document,
    item: object.origin.item,
    apiVersion: object.apiVersion,
    kind: object.kind.kind,
    namespace: object.namespace,
    name: object.name,
    allowed: decision.allowed,
    event: outcome.event,
    message: outcome.message === "" ? undefined : outcome.message,
    warnings: outcome.warnings,
    policies: outcome.policies,
    objectReasons: decision.objectReasons.map((r) => reasonMessage("", r)),
    images: decision.images.map((image) => ({
      path: image.image.path,
      image: image.image.image,
      verdict: image.verdict,
      allowedBy: image.allowedBy?.kind,
      reasons: [...new Set(image.reasons.map((r) => reasonMessage(image.image.image, r)))],
    })),
  };
}

function policyProblems(policies: PolicySet): string[] {
  return [...policies.clusterProblems, ...[...policies.namespaces.values()].flatMap((n) => n.problems)].map((p) => p.message);
}

function textReport(judged: readonly Judged[], skipped: readonly ManifestObject[], problems: readonly string[]): string {
  const lines: string[] = [];
  for (const problem of problems) lines.push(`policy problem (fails closed in its namespace): ${problem}`);
  if (problems.length > 0) lines.push("");
  for (const { object, outcome } of judged) {
    const label = outcome.decision.allowed ? "ADMITTED" : "DENIED  ";
    lines.push(`${label} ${describeObjectReference(outcome.decision.object)} (${describeManifestOrigin(object.origin)})`);
    if (outcome.message !== "") lines.push(...outcome.message.split("\n").slice(1).map((line) => `  ${line}`));
    for (const warning of outcome.warnings) lines.push(`  warning: ${warning}`);
  }
  for (const object of skipped) {
    const name = `${object.kind.kind} ${object.namespace}/${object.name ?? "(unnamed)"}`;
    lines.push(`SKIPPED  ${name} (${describeManifestOrigin(object.origin)}): carries no pod spec`);
  }
  const denied = judged.filter((j) => !j.outcome.decision.allowed).length;
  lines.push("");
  lines.push(
    `${judged.length} object${judged.length === 1 ? "" : "s"} checked: ${judged.length - denied} admitted, ${denied} denied` +
      (skipped.length > 0 ? ` (${skipped.length} skipped)` : ""),
  );
  return `${lines.join("\n")}\n`;
}

export interface CheckCommandOptions {
  readonly openStore?: StoreOpener;
}

export function createCheckCommand(options: CheckCommandOptions = {}): Command {
  return {
    name: "check",
    summary: "Judge manifests with the admission policies, for CI (exit 0 admitted, 1 denied, 2 usage)",
    help: () =>
      [
        "Usage: scriba check -f FILE [-f FILE …] --policy-dir DIR (--server URL | --storage SPEC) [options]",
        "",
        "Judges every object of the manifests as the admission webhook would judge its CREATE: workloads",
        "(Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs, ReplicationControllers)",
        "are checked, other kinds are listed as skipped. Nothing is written to the metadata server.",
        "",
        "Exit status: 0 every object admitted; 1 something denied; 2 usage error (including unreadable or",
        "unparsable manifests and policy directories).",
        "",
        "Options:",
        describeSettings({ ...specs, config: configFileSetting }),
        "",
      ].join("\n"),
    async run(args: readonly string[], io: CliIO): Promise<number> {
      const { values, commandLine } = readCommandSettings(args, specs, io.env);
      const files = values.file ?? [];
      if (files.length === 0) throw invalidArgument("give at least one manifest with -f FILE (see --help)");
      const policyDir = required(values.policyDir, "policy-dir", "DIR");
      const namespace = values.namespace ?? "default";
      const location = metadataLocation(values, commandLine);

      const objects: ManifestObject[] = [];
      const unreadable: string[] = [];
      for (const file of files) {
        let text: string;
        try {
          text = await readFile(file, "utf8");
        } catch (error) {
          throw invalidArgument(`-f ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
        }
        const read = readManifestObjects(text, file, namespace);
        objects.push(...read.objects);
        unreadable.push(...read.problems);
      }
      if (unreadable.length > 0) {
        throw invalidArgument(`these manifests cannot be judged:\n${unreadable.map((p) => `  ${p}`).join("\n")}`);
      }
      let policies: PolicySet;
      try {
        policies = await loadPolicyDirectory(policyDir);
      } catch (error) {
        if (error instanceof ScribaError && error.code === "FAILED_PRECONDITION") throw invalidArgument(error.message);
        throw error;
      }

      const metadata = await openMetadataSource(location, options.openStore ?? defaultStoreOpener);
      const judged: Judged[] = [];
      try {
        const reviewer = createAdmissionReviewer({ policies, metadata, attestOnPass: false, metadataTimeoutMs: values.metadataTimeout });
        for (const object of objects.filter((o) => o.reviewed)) {
          judged.push({ object, outcome: await reviewer.review(object.input) });
        }
      } finally {
        await metadata.close();
      }
      const skipped = objects.filter((o) => !o.reviewed);
      const problems = policyProblems(policies);
      const admitted = judged.every((j) => j.outcome.decision.allowed);
      if (values.output === "json") {
        const denied = judged.filter((j) => !j.outcome.decision.allowed).length;
        const report = {
          admitted,
          summary: { checked: judged.length, admitted: judged.length - denied, denied, skipped: skipped.length },
          objects: judged.map(objectJson),
          skipped: skipped.map((o) => ({
            source: o.origin.source,
            document: o.origin.document,
            item: o.origin.item,
            apiVersion: o.apiVersion,
            kind: o.kind.kind,
            namespace: o.namespace,
            name: o.name,
            reason: "carries no pod spec",
          })),
          policyProblems: problems,
        };
        io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        io.stdout(textReport(judged, skipped, problems));
      }
      return admitted ? exitCodes.ok : exitCodes.failed;
    },
  };
}

export const checkCommand = createCheckCommand();
