"use client";

import { useClient } from "@urql/next";
import { useState } from "react";

import { graphql } from "@/gql";
import type { WhatIfQuery } from "@/gql/graphql";
import { errorText } from "@/lib/api-error";
import { percent, points } from "@/lib/format";
import { FormError } from "@/components/form-error";

const WhatIfQueryDocument = graphql(`
  query WhatIf($modelId: ID!, $removed: [LayerFilters!]!, $images: Int!) {
    whatIf(modelId: $modelId, removed: $removed, images: $images) {
      accuracy
      baseAccuracy
      accuracyDrop
      images
      removedCount
      cached
      perClass {
        classIndex
        className
        accuracy
        baseAccuracy
        drop
        images
      }
    }
  }
`);

/**
 * What-if: the accuracy and per-class accuracy of the model without the selected filters, measured by the API
 * (channels zeroed, as in CAR) beside the unpruned model on the same images — before starting any run.
 */
export function WhatIfPanel({
  modelId,
  layerName,
  selected,
}: {
  modelId: string;
  layerName: string;
  selected: number[];
}) {
  const client = useClient();
  const [answer, setAnswer] = useState<{ key: string; data: WhatIfQuery["whatIf"] }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const key = selected.join(",");

  async function measure() {
    setBusy(true);
    setError(undefined);
    const result = await client
      .query(
        WhatIfQueryDocument,
        { modelId, removed: [{ layer: layerName, filters: selected }], images: 1000 },
        { requestPolicy: "network-only" },
      )
      .toPromise();
    setBusy(false);
    if (result.error) setError(errorText(result.error));
    else if (result.data) setAnswer({ key, data: result.data.whatIf });
  }

  const shown = answer?.key === key ? answer.data : undefined;
  return (
    <div className="what-if" aria-labelledby="what-if-title">
      <h3 id="what-if-title">What if they were removed?</h3>
      {selected.length === 0 ? (
        <p className="muted">
          Tick filters to see the model&apos;s accuracy without them, before starting any run.
        </p>
      ) : (
        <>
          <p>
            {selected.length} filter{selected.length === 1 ? "" : "s"} selected:{" "}
            {selected.map((i) => `#${i}`).join(", ")}
          </p>
          <button type="button" onClick={measure} disabled={busy}>
            {busy ? "Measuring…" : shown ? "Measured" : "Measure accuracy without them"}
          </button>
        </>
      )}
      <FormError message={error} />
      {shown && (
        <div aria-live="polite">
          <dl className="kv">
            <dt>Accuracy without them</dt>
            <dd>{percent(shown.accuracy)}</dd>
            <dt>Unpruned</dt>
            <dd>{percent(shown.baseAccuracy)}</dd>
            <dt>Drop</dt>
            <dd>{points(shown.accuracyDrop)}</dd>
            <dt>Images</dt>
            <dd>{shown.images}</dd>
          </dl>
          <table className="compact" aria-label="Per-class accuracy without the selected filters">
            <thead>
              <tr>
                <th scope="col">Class</th>
                <th scope="col" className="num">
                  Without
                </th>
                <th scope="col" className="num">
                  Drop
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.perClass.map((c) => (
                <tr key={c.classIndex}>
                  <td>{c.className}</td>
                  <td className="num">{percent(c.accuracy, 1)}</td>
                  <td className={`num${(c.drop ?? 0) > 0.005 ? " worse" : ""}`}>{points(c.drop, 1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
