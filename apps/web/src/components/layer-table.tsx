import Link from "next/link";

import { count, shape } from "@/lib/format";

export interface LayerRow {
  index: number;
  name: string;
  className: string;
  outputShape: ReadonlyArray<number | null>;
  kernelSize?: readonly number[] | null;
  filterCount?: number | null;
  params: number;
  flops: number;
  activation?: string | null;
  prunable: boolean;
}

/**
 * A model's architecture as a table: one row per layer with its kind, output shape, filters, parameters and
 * FLOPs, and a bar showing the layer's share of the model's FLOPs (the diagram part: where the compute is).
 */
export function LayerTable({
  modelId,
  layers,
  totalFlops,
  totalParams,
}: {
  modelId: string;
  layers: readonly LayerRow[];
  totalFlops: number;
  totalParams: number;
}) {
  return (
    <div className="table-wrap">
      <table className="layers">
        <caption className="sr-only">Layers of the model</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            <th scope="col">Layer</th>
            <th scope="col">Kind</th>
            <th scope="col">Output shape</th>
            <th scope="col" className="num">
              Filters
            </th>
            <th scope="col" className="num">
              Parameters
            </th>
            <th scope="col" className="num">
              FLOPs
            </th>
            <th scope="col">Share of FLOPs / parameters</th>
          </tr>
        </thead>
        <tbody>
          {layers.map((layer) => {
            const flopShare = totalFlops > 0 ? layer.flops / totalFlops : 0;
            const paramShare = totalParams > 0 ? layer.params / totalParams : 0;
            return (
              <tr key={layer.name} className={layer.prunable ? "prunable" : undefined}>
                <td className="num">{layer.index}</td>
                <td>
                  {layer.prunable ? (
                    <Link
                      href={`/models/${encodeURIComponent(modelId)}/layers/${encodeURIComponent(layer.name)}`}
                    >
                      {layer.name}
                    </Link>
                  ) : (
                    layer.name
                  )}
                </td>
                <td>
                  {layer.className}
                  {layer.kernelSize && layer.kernelSize.length > 0 && (
                    <span className="muted"> {layer.kernelSize.join("×")}</span>
                  )}
                  {layer.activation && layer.activation !== "linear" && (
                    <span className="muted"> · {layer.activation}</span>
                  )}
                </td>
                <td>{shape(layer.outputShape)}</td>
                <td className="num">{layer.filterCount ?? "—"}</td>
                <td className="num">{count(layer.params)}</td>
                <td className="num">{count(layer.flops)}</td>
                <td>
                  <div
                    className="share"
                    aria-label={`${(flopShare * 100).toFixed(1)}% of FLOPs, ${(paramShare * 100).toFixed(1)}% of parameters`}
                  >
                    <span className="share-flops" style={{ width: `${flopShare * 100}%` }} />
                    <span className="share-params" style={{ width: `${paramShare * 100}%` }} />
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p className="legend small">
        <span className="swatch share-flops" aria-hidden="true" /> FLOPs{" "}
        <span className="swatch share-params" aria-hidden="true" /> parameters
      </p>
    </div>
  );
}
