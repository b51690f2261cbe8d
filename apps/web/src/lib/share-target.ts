/** What a share link opens, as the API's `sharedTarget` names it. */
export interface SharedTargetInfo {
  kind: "MODEL" | "RUN" | "COMPARISON";
  ids: readonly string[];
}

/**
 * The dashboard page a share link opens: the model, the run, or the comparison of its runs (on the compare page
 * of `comparisonModelId`, the model the first run pruned). Null when the target names nothing to open.
 */
export function sharedTargetPath(target: SharedTargetInfo, comparisonModelId?: string | null): string | null {
  const [first] = target.ids;
  if (!first) return null;
  if (target.kind === "MODEL") return `/models/${encodeURIComponent(first)}`;
  if (target.kind === "RUN") return `/runs/${encodeURIComponent(first)}`;
  if (!comparisonModelId) return null;
  return `/models/${encodeURIComponent(comparisonModelId)}/compare?runs=${target.ids.map(encodeURIComponent).join(",")}`;
}
