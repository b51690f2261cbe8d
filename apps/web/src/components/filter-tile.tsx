import Link from "next/link";

import { textOn } from "@/lib/color-scale";
import type { FilterSummary } from "@/lib/filters";
import { points } from "@/lib/format";

/** One filter: its weight image, its CAR as colour and number, a link to it and a checkbox selecting it. */
export function FilterTile({
  filter,
  href,
  color,
  t,
  selected,
  onToggle,
  onActivate,
}: {
  filter: FilterSummary;
  href: string;
  color: string | null;
  t: number | null;
  selected: boolean;
  onToggle: () => void;
  onActivate: () => void;
}) {
  const named = filter.label ? ` “${filter.label}”` : "";
  const label = filter.car
    ? `Filter ${filter.index}${named}: CAR ${points(filter.car.drop)}, rank ${filter.car.rank}, L1 ${filter.l1Norm.toFixed(2)}`
    : `Filter ${filter.index}${named}: not scored, L1 ${filter.l1Norm.toFixed(2)}`;
  return (
    <li
      className={`tile${selected ? " selected" : ""}`}
      style={color ? { borderColor: color } : undefined}
      onMouseEnter={onActivate}
      onFocus={onActivate}
      title={label}
    >
      <Link href={href} aria-label={label} className="tile-link">
        {filter.weightImage ? (
          <img src={filter.weightImage} alt="" width={56} height={56} className="weights" />
        ) : (
          <span className="weights placeholder" aria-hidden="true" />
        )}
        <span
          className="tile-car"
          style={color && t !== null ? { background: color, color: textOn(t) } : undefined}
        >
          {filter.car ? points(filter.car.drop, 1) : "—"}
        </span>
      </Link>
      {filter.label && (
        <span className="tile-label" title={filter.label}>
          {filter.label}
        </span>
      )}
      <label className="tile-foot">
        <span className="tile-index">#{filter.index}</span>
        <input
          type="checkbox"
          checked={selected}
          onChange={onToggle}
          aria-label={`Select filter ${filter.index}`}
        />
      </label>
    </li>
  );
}
