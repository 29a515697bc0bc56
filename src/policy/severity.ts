/**
 * @module policy/severity
 *
 * The vulnerability severity scale of grafeas.v1 (`grafeas.v1.Severity`) and
 * the policy thresholds built on it. Ranks follow the proto enum numbers, the
 * order Kritis compares in: SEVERITY_UNSPECIFIED < MINIMAL < LOW < MEDIUM <
 * HIGH < CRITICAL.
 */

/** `grafeas.v1.Severity` names, lowest rank first. */
export const severityNames = [
  "SEVERITY_UNSPECIFIED",
  "MINIMAL",
  "LOW",
  "MEDIUM",
  "HIGH",
  "CRITICAL",
] as const;

export type SeverityName = (typeof severityNames)[number];

/**
 * What a policy threshold may say: a severity, or `BLOCK_ALL` (every
 * vulnerability not allowlisted is a violation) or `ALLOW_ALL` (none is, even
 * with an unknown severity). `MINIMAL` and `SEVERITY_UNSPECIFIED` parse because
 * Kritis accepts every Grafeas severity name.
 */
export const maximumSeverityValues = [
  "LOW",
  "MEDIUM",
  "HIGH",
  "CRITICAL",
  "BLOCK_ALL",
  "ALLOW_ALL",
  "MINIMAL",
  "SEVERITY_UNSPECIFIED",
] as const;

export type MaximumSeverity = (typeof maximumSeverityValues)[number];

export function isSeverityName(value: string): value is SeverityName {
  return (severityNames as readonly string[]).includes(value);
}

export function isMaximumSeverity(value: string): value is MaximumSeverity {
  return (maximumSeverityValues as readonly string[]).includes(value);
}

/** The proto enum number of a severity (0…5), which is also its rank. */
export function severityRank(severity: SeverityName): number {
  return severityNames.indexOf(severity);
}

/** The severity name for a proto enum number, as proto3 JSON parsers also accept numbers. */
export function severityFromNumber(value: number): SeverityName | undefined {
  return Number.isInteger(value) ? severityNames[value] : undefined;
}
