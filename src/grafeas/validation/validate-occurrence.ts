/**
 * @module grafeas/validation/validate-occurrence
 *
 * Per-kind rules for occurrences, the grafeas.v1 validators' rules, plus the
 * fields every occurrence needs (`resourceUri`, `noteName`, details). The note
 * name's form is checked here; its existence is checked by the store, in the
 * same transaction as the write.
 */
import type { Occurrence } from "../../gen/grafeas/v1/grafeas_pb.js";
import { ScribaError } from "../../errors.js";
import { parseNoteName } from "../resource-names.js";
import { isNormalVersion, validateVersion } from "./validate-version.js";
import { Violations } from "./violations.js";

/** Resource URIs are identifiers, not documents: keep them index-friendly. */
export const maxResourceUriLength = 2048;

export function validateOccurrence(
  occurrence: Occurrence,
  v: Violations = new Violations(),
): Violations {
  v.require("resourceUri", occurrence.resourceUri);
  if (occurrence.resourceUri.length > maxResourceUriLength) {
    v.add("resourceUri", `is longer than ${maxResourceUriLength} characters`);
  }
  if (occurrence.noteName === "") {
    v.add("noteName", "is required");
  } else {
    try {
      parseNoteName(occurrence.noteName);
    } catch (error) {
      v.add("noteName", error instanceof ScribaError ? error.message : "is not a note name");
    }
  }

  const details = occurrence.details;
  switch (details.case) {
    case undefined:
      v.add("details", "an occurrence needs its details: one of vulnerability, build, image, package, deployment, discovery, attestation, upgrade, compliance, dsseAttestation, sbomReference, secret");
      break;
    case "attestation": {
      const a = details.value;
      if (a.serializedPayload.length === 0 && a.jwts.length === 0) {
        v.add("attestation", "one of serializedPayload or jwts is required");
      }
      v.each("attestation.signatures", a.signatures, (s, sv) => {
        sv.require("publicKeyId", s.publicKeyId);
        sv.require("signature", s.signature);
      });
      v.each("attestation.jwts", a.jwts, (j, jv) => jv.require("compactJwt", j.compactJwt));
      break;
    }
    case "build": {
      const b = details.value;
      if (
        b.provenance === undefined &&
        b.intotoProvenance === undefined &&
        b.intotoStatement === undefined &&
        b.inTotoSlsaProvenanceV1 === undefined
      ) {
        v.add("build", "one of provenance, intotoProvenance, intotoStatement or inTotoSlsaProvenanceV1 is required");
      }
      if (b.provenance !== undefined) {
        const p = v.at("build.provenance.");
        p.require("id", b.provenance.id);
        p.each("commands", b.provenance.commands, (c, cv) => cv.require("name", c.name));
        const hashes = b.provenance.sourceProvenance?.fileHashes ?? {};
        for (const [file, fileHashes] of Object.entries(hashes)) {
          p.each(`sourceProvenance.fileHashes[${JSON.stringify(file)}].fileHash`, fileHashes.fileHash, (h, hv) => {
            hv.require("type", h.type);
            hv.require("value", h.value);
          });
        }
      }
      break;
    }
    case "deployment":
      if (details.value.deployTime === undefined) v.add("deployment.deployTime", "is required");
      break;
    case "image": {
      const image = v.at("image.");
      if (details.value.fingerprint === undefined) image.add("fingerprint", "is required");
      image.each("layerInfo", details.value.layerInfo, (l, lv) => lv.require("directive", l.directive));
      break;
    }
    case "package": {
      const pkg = v.at("package.");
      pkg.require("location", details.value.location);
      pkg.each("location", details.value.location, (l, lv) => lv.require("cpeUri", l.cpeUri));
      break;
    }
    case "vulnerability": {
      const vuln = v.at("vulnerability.");
      vuln.require("packageIssue", details.value.packageIssue);
      vuln.each("packageIssue", details.value.packageIssue, (p, pv) => {
        pv.require("affectedCpeUri", p.affectedCpeUri);
        pv.require("affectedPackage", p.affectedPackage);
        validateVersion(p.affectedVersion, "affectedVersion", pv);
        validateVersion(p.fixedVersion, "fixedVersion", pv);
        if (isNormalVersion(p.fixedVersion)) {
          pv.require("fixedCpeUri", p.fixedCpeUri);
          pv.require("fixedPackage", p.fixedPackage);
        }
      });
      break;
    }
    default:
      break;
  }
  return v;
}
