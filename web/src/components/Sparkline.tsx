import type { UsagePeriod } from "../../../contract/api-types";
import { fillPeriods } from "../usage";

const WIDTH = 84;
const HEIGHT = 20;

/**
 * A row's last 7 days by hour as a line (issue 14), drawn from the list answer's `lastSevenDays`
 * (API.md §11): the list costs one request, not one more per key. Its text alternative is the
 * week's totals. A row without them (a key just created or changed) has no requests to draw yet.
 */
export function Sparkline(props: { items: UsagePeriod[] | undefined; now: number }) {
  const items = props.items ?? [];
  const periods = fillPeriods(items, "hour", props.now);
  const peak = Math.max(1, ...periods.map((p) => p.count));
  const x = (i: number) => ((i / (periods.length - 1)) * WIDTH).toFixed(1);
  const y = (n: number) => (HEIGHT - 1 - (n / peak) * (HEIGHT - 2)).toFixed(1);
  const total = items.reduce((sum, item) => sum + item.count, 0);
  const throttled = items.reduce((sum, item) => sum + item.throttled, 0);
  return (
    <span class="sparkline">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label={`Last 7 days: ${total} requests, ${throttled} throttled`}
      >
        <polyline class="spark-count" points={periods.map((p, i) => `${x(i)},${y(p.count)}`).join(" ")} />
        {periods.map((p, i) =>
          p.throttled > 0 ? (
            <circle key={p.start} class="spark-throttled" cx={x(i)} cy={y(p.count)} r={2} />
          ) : null,
        )}
      </svg>
    </span>
  );
}
