/**
 * @module admission/metadata-failure
 *
 * What a review says when the metadata server could not be asked and the
 * KritisConfig `metadataFailurePolicy` is `Ignore` (the `Fail` case is a
 * denial reason, worded in policy/decision). Admitting without the check is
 * a conscious choice of the cluster's owner, so it is said out loud: as an
 * AdmissionResponse warning, and in the decision log.
 */

export function metadataIgnoredWarning(image: string, detail: string): string {
  return `${image} was admitted without its metadata check: the metadata server could not be asked (${detail}), and the KritisConfig admits in that case (metadataFailurePolicy: Ignore)`;
}
