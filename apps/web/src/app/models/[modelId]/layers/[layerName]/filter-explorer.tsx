"use client";

import { useMemo, useState } from "react";

import { FilterTile } from "@/components/filter-tile";
import { normalizer, viridis } from "@/lib/color-scale";
import { type FilterSortKey, type FilterSummary, sortFilters } from "@/lib/filters";
import { percent, points } from "@/lib/format";

import { WhatIfPanel } from "./what-if-panel";

const SORT_LABELS: Record<FilterSortKey, string> = {
  car: "CAR (least important first)",
  l1: "L1 norm (smallest first)",
  index: "Index",
};

/**
 * The layer's filters as tiles: sortable by CAR, L1 norm or index, coloured by CAR on a colour-blind-safe scale,
 * with the focused or hovered filter's details beside them, and a selection for the what-if panel.
 */
export function FilterExplorer({
  modelId,
  layerName,
  filters,
}: {
  modelId: string;
  layerName: string;
  filters: readonly FilterSummary[];
}) {
  const [sortKey, setSortKey] = useState<FilterSortKey>(filters.some((f) => f.car) ? "car" : "index");
  const [descending, setDescending] = useState(false);
  const [active, setActive] = useState<number | null>(null);
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());

  const sorted = useMemo(() => sortFilters(filters, sortKey, descending), [filters, sortKey, descending]);
  const drops = useMemo(() => filters.flatMap((f) => (f.car ? [f.car.drop] : [])), [filters]);
  const scale = useMemo(() => normalizer(drops), [drops]);
  const minDrop = drops.length ? Math.min(...drops) : 0;
  const maxDrop = drops.length ? Math.max(...drops) : 0;
  const shown = filters.find((f) => f.index === active) ?? null;

  function toggle(index: number) {
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(index)) next.delete(index);
      else next.add(index);
      return next;
    });
  }

  const base = `/models/${encodeURIComponent(modelId)}/layers/${encodeURIComponent(layerName)}/filters`;
  return (
    <section aria-labelledby="filters-title">
      <div className="toolbar">
        <h2 id="filters-title">Filters ({filters.length})</h2>
        <label htmlFor="sort-filters">Sort by</label>
        <select
          id="sort-filters"
          value={sortKey}
          onChange={(e) => setSortKey(e.target.value as FilterSortKey)}
        >
          {(Object.keys(SORT_LABELS) as FilterSortKey[]).map((key) => (
            <option key={key} value={key} disabled={key === "car" && drops.length === 0}>
              {SORT_LABELS[key]}
            </option>
          ))}
        </select>
        <label className="inline">
          <input type="checkbox" checked={descending} onChange={(e) => setDescending(e.target.checked)} />{" "}
          reverse
        </label>
        {drops.length > 0 && (
          <div
            className="scale-legend"
            aria-label={`Colour scale: CAR from ${points(minDrop)} to ${points(maxDrop)}`}
          >
            <span>{points(minDrop)}</span>
            <span
              className="scale-bar"
              style={{
                background: `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(viridis).join(", ")})`,
              }}
            />
            <span>{points(maxDrop)}</span>
            <span className="muted small">CAR: accuracy drop without the filter</span>
          </div>
        )}
      </div>
      <div className="explorer">
        <ul className="tiles" aria-label="Filters">
          {sorted.map((f) => (
            <FilterTile
              key={f.index}
              filter={f}
              href={`${base}/${f.index}`}
              color={f.car ? viridis(scale(f.car.drop)) : null}
              t={f.car ? scale(f.car.drop) : null}
              selected={selected.has(f.index)}
              onToggle={() => toggle(f.index)}
              onActivate={() => setActive(f.index)}
            />
          ))}
        </ul>
        <aside className="panel details" aria-live="polite" aria-label="Filter details">
          {shown ? (
            <>
              <h3>Filter {shown.index}</h3>
              {shown.car ? (
                <dl className="kv">
                  <dt>CAR</dt>
                  <dd>{points(shown.car.drop)}</dd>
                  <dt>95% interval</dt>
                  <dd>
                    {points(shown.car.ci95Low)} … {points(shown.car.ci95High)}
                  </dd>
                  <dt>Rank</dt>
                  <dd>
                    {shown.car.rank} of {drops.length} (1 = least important)
                  </dd>
                  <dt>Accuracy without it</dt>
                  <dd>{percent(shown.car.accuracyWithout)}</dd>
                  <dt>L1 norm</dt>
                  <dd>{shown.l1Norm.toFixed(3)}</dd>
                </dl>
              ) : (
                <dl className="kv">
                  <dt>CAR</dt>
                  <dd>not scored</dd>
                  <dt>L1 norm</dt>
                  <dd>{shown.l1Norm.toFixed(3)}</dd>
                </dl>
              )}
            </>
          ) : (
            <p className="muted">
              Hover over or focus a filter to see its details; open it for its class importances.
            </p>
          )}
          <WhatIfPanel
            modelId={modelId}
            layerName={layerName}
            selected={[...selected].sort((a, b) => a - b)}
          />
          {selected.size > 0 && (
            <p>
              <button type="button" className="link" onClick={() => setSelected(new Set())}>
                Clear selection ({selected.size})
              </button>
            </p>
          )}
        </aside>
      </div>
    </section>
  );
}
