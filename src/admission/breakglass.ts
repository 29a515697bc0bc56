/**
 * @module admission/breakglass
 *
 * The emergency override: an object that carries a breakglass marker is
 * admitted even when policy would deny it, and every such admission is
 * reported (an AdmissionResponse warning, an audit annotation and a log
 * record), so that it can be reviewed afterwards. The KritisConfig
 * `allowBreakglass: false` turns the override off; the marker is then
 * ignored, with a warning saying so.
 *
 * Markers, in the order they are looked for:
 *
 * | marker | where | value |
 * |---|---|---|
 * | `kritis.grafeas.io/breakglass` (Kritis) | annotation | anything but `false` (Kritis looked at presence only; an explicit `"false"` is read as what it says) |
 * | `image-policy.k8s.io/break-glass` (Binary Authorization) | annotation or label | `true` |
 * | `alpha.image-policy.k8s.io/break-glass` (Binary Authorization, older docs) | annotation or label | `true` |
 *
 * They are read from the object's own metadata and, for controllers, from
 * the pod template's metadata, so that annotating a Deployment's template
 * both admits the Deployment and, since its Pods inherit the annotation,
 * the Pods it creates. (Kritis read the controller's own annotation and
 * relied on its owner check for the Pods; Scriba reviews Pods on their own.)
 */
import type { AdmissionInput } from "./admission-input.js";
import { metadataOf, metadataString, objectAt } from "./admission-input.js";

export const kritisBreakglassAnnotation = "kritis.grafeas.io/breakglass";
export const binauthzBreakglassKeys = ["image-policy.k8s.io/break-glass", "alpha.image-policy.k8s.io/break-glass"] as const;

export interface Breakglass {
  readonly requested: boolean;
  /** Where the marker was found: `metadata.annotations["kritis.grafeas.io/breakglass"]`. */
  readonly marker?: string | undefined;
}

function markerIn(metadata: Record<string, unknown> | undefined, at: string): string | undefined {
  if (metadata === undefined) return undefined;
  const kritis = metadataString(metadata, "annotations", kritisBreakglassAnnotation);
  if (kritis !== undefined && kritis.trim().toLowerCase() !== "false") {
    return `${at}.annotations[${JSON.stringify(kritisBreakglassAnnotation)}]`;
  }
  for (const key of binauthzBreakglassKeys) {
    for (const field of ["annotations", "labels"] as const) {
      if (metadataString(metadata, field, key)?.trim().toLowerCase() === "true") return `${at}.${field}[${JSON.stringify(key)}]`;
    }
  }
  return undefined;
}

/**
 * Looks for a breakglass marker on the object and, when `podSpecPath` names
 * a pod template (`spec.template.spec`), on that template.
 */
export function findBreakglass(input: AdmissionInput, podSpecPath: string | undefined): Breakglass {
  const own = markerIn(metadataOf(input.object), "metadata");
  if (own !== undefined) return { requested: true, marker: own };
  if (podSpecPath !== undefined && podSpecPath.endsWith(".spec")) {
    const templatePath = podSpecPath.slice(0, -".spec".length);
    const template = markerIn(metadataOf(objectAt(input.object, templatePath)), `${templatePath}.metadata`);
    if (template !== undefined) return { requested: true, marker: template };
  }
  return { requested: false };
}
