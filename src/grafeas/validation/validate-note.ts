/**
 * @module grafeas/validation/validate-note
 *
 * Per-kind rules for notes, the grafeas.v1 validators' rules (attestation,
 * build, deployment, discovery, image, package, vulnerability). Kinds that
 * Grafeas does not validate (upgrade, compliance, DSSE attestation, SBOM
 * reference, secret, vulnerability assessment) need only their details set.
 */
import type { Note } from "../../gen/grafeas/v1/grafeas_pb.js";
import { NoteKind } from "../../gen/grafeas/v1/common_pb.js";
import { isNormalVersion, validateVersion } from "./validate-version.js";
import { Violations } from "./violations.js";

export function validateNote(note: Note, v: Violations = new Violations()): Violations {
  const type = note.type;
  switch (type.case) {
    case undefined:
      v.add("type", "a note needs its details: one of vulnerability, build, image, package, deployment, discovery, attestation, upgrade, compliance, dsseAttestation, vulnerabilityAssessment, sbomReference, secret");
      break;
    case "attestation":
      v.require("attestation.hint.humanReadableName", type.value.hint?.humanReadableName ?? "");
      break;
    case "build":
      v.require("build.builderVersion", type.value.builderVersion);
      break;
    case "deployment":
      v.require("deployment.resourceUri", type.value.resourceUri);
      type.value.resourceUri.forEach((uri, i) => v.require(`deployment.resourceUri[${i}]`, uri));
      break;
    case "discovery":
      if (type.value.analysisKind === NoteKind.NOTE_KIND_UNSPECIFIED) {
        v.add("discovery.analysisKind", "is required");
      }
      break;
    case "image": {
      const image = v.at("image.");
      image.require("resourceUrl", type.value.resourceUrl);
      const fingerprint = type.value.fingerprint;
      if (fingerprint === undefined) {
        image.add("fingerprint", "is required");
      } else {
        image.require("fingerprint.v1Name", fingerprint.v1Name);
        image.require("fingerprint.v2Blob", fingerprint.v2Blob);
        fingerprint.v2Blob.forEach((blob, i) => image.require(`fingerprint.v2Blob[${i}]`, blob));
      }
      break;
    }
    case "package": {
      const pkg = v.at("package.");
      pkg.require("name", type.value.name);
      pkg.each("distribution", type.value.distribution, (d, dv) => {
        dv.require("cpeUri", d.cpeUri);
        if (d.latestVersion !== undefined) validateVersion(d.latestVersion, "latestVersion", dv);
      });
      if (type.value.version !== undefined) validateVersion(type.value.version, "version", pkg);
      break;
    }
    case "vulnerability": {
      const vuln = v.at("vulnerability.");
      vuln.require("details", type.value.details);
      vuln.each("details", type.value.details, (d, dv) => {
        dv.require("affectedCpeUri", d.affectedCpeUri);
        dv.require("affectedPackage", d.affectedPackage);
        if (isNormalVersion(d.fixedVersion)) {
          dv.require("fixedCpeUri", d.fixedCpeUri);
          dv.require("fixedPackage", d.fixedPackage);
        }
      });
      break;
    }
    default:
      break;
  }
  return v;
}
