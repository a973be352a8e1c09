import { useEffect, useRef, useState } from "preact/hooks";
import type { UsagePeriod } from "../../../lambdas/shared/api-keys/usage-history";
import type { ConsoleApi } from "../api";
import { fillPeriods, rangeStart } from "../usage";

const WIDTH = 84;
const HEIGHT = 20;

/**
 * A row's last 7 days by hour as a line (issue 14). It costs one usage call per key, so it is fetched
 * only once its row scrolls into view; its text alternative is the week's totals.
 */
export function Sparkline(props: { api: ConsoleApi; keyId: string; now: number }) {
  const ref = useRef<HTMLSpanElement>(null);
  const [items, setItems] = useState<UsagePeriod[]>();

  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((entry) => entry.isIntersecting)) return;
      observer.disconnect();
      const from = new Date(rangeStart("hour", props.now)).toISOString();
      // No line rather than an error in every row: the details dialog says what went wrong.
      props.api.keyUsage(props.keyId, "hour", from).then(
        (usage) => setItems(usage.items),
        () => undefined,
      );
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [props.keyId]);

  if (!items) return <span ref={ref} class="sparkline" />;
  const periods = fillPeriods(items, "hour", props.now);
  const peak = Math.max(1, ...periods.map((p) => p.count));
  const x = (i: number) => ((i / (periods.length - 1)) * WIDTH).toFixed(1);
  const y = (n: number) => (HEIGHT - 1 - (n / peak) * (HEIGHT - 2)).toFixed(1);
  const total = items.reduce((sum, item) => sum + item.count, 0);
  const throttled = items.reduce((sum, item) => sum + item.throttled, 0);
  return (
    <span ref={ref} class="sparkline">
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
