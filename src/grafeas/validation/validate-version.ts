/**
 * @module grafeas/validation/validate-version
 *
 * grafeas.v1.Version rules shared by package and vulnerability details: a
 * version needs a kind, and a NORMAL version needs a name (MINIMUM and MAXIMUM
 * are the open ends of a range and carry no name).
 */
import { Version_VersionKind, type Version } from "../../gen/grafeas/v1/package_pb.js";
import type { Violations } from "./violations.js";

export function validateVersion(version: Version | undefined, field: string, v: Violations): void {
  if (version === undefined) {
    v.add(field, "is required");
    return;
  }
  if (version.kind === Version_VersionKind.VERSION_KIND_UNSPECIFIED) {
    v.add(`${field}.kind`, "is required (NORMAL, MINIMUM or MAXIMUM)");
  }
  if (version.kind === Version_VersionKind.NORMAL && version.name === "") {
    v.add(`${field}.name`, "is required for a NORMAL version");
  }
}

export function isNormalVersion(version: Version | undefined): boolean {
  return version?.kind === Version_VersionKind.NORMAL;
}
