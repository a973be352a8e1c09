import { useEffect, useState } from "preact/hooks";
import type { KeyUsage } from "../../../contract/api-types";
import type { ConsoleApi } from "../api";
import { absoluteTime } from "../format";
import { fillPeriods, rangeStart, USAGE_RANGES, type UsageRange } from "../usage";
import { ErrorAlert } from "./Modal";

const WIDTH = 600;
const HEIGHT = 120;

/**
 * A key's usage history (API.md §11) as bars drawn in plain SVG: requests in the brand colour, the
 * throttled (429) part of each in red. The SVG is hidden from assistive technology; its text
 * alternative is the table after it, visually hidden, with the API's periods and numbers.
 */
export function UsageChart(props: { api: ConsoleApi; keyId: string; now: number }) {
  const [range, setRange] = useState<UsageRange>("hour");
  const [usage, setUsage] = useState<KeyUsage>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    // An answer for a range no longer chosen (a quick toggle) is dropped, never drawn under the new one.
    let current = true;
    const from = new Date(rangeStart(range, props.now)).toISOString();
    props.api.keyUsage(props.keyId, range, from).then(
      (answer) => {
        if (!current) return;
        setUsage(answer);
        setError(undefined);
      },
      (caught: Error) => current && setError(caught.message),
    );
    return () => {
      current = false;
    };
  }, [range, props.keyId]);
  const choose = (choice: UsageRange) => {
    // Cleared in the same render as the choice: the old range's numbers never show under the new caption.
    setUsage(undefined);
    setRange(choice);
  };

  const label = `Usage, ${USAGE_RANGES[range].label.toLowerCase()} by ${range}`;
  return (
    <section class="usage-chart" aria-label="Usage history">
      <div class="usage-head">
        <h3>Usage history</h3>
        <fieldset class="range">
          <legend class="visually-hidden">Range</legend>
          {(Object.keys(USAGE_RANGES) as UsageRange[]).map((choice) => (
            <button key={choice} type="button" aria-pressed={choice === range} onClick={() => choose(choice)}>
              {USAGE_RANGES[choice].label}
            </button>
          ))}
        </fieldset>
      </div>
      <ErrorAlert message={error} />
      {!usage && !error && <p role="status">Loading usage…</p>}
      {usage && (
        <>
          <Bars usage={usage} range={range} now={props.now} />
          <p class="muted legend">
            <span class="swatch swatch-count" /> Requests <span class="swatch swatch-throttled" /> Throttled
            (429) · {usage.items.reduce((sum, item) => sum + item.count, 0)} requests,{" "}
            {usage.items.reduce((sum, item) => sum + item.throttled, 0)} throttled
          </p>
          <table class="visually-hidden">
            <caption>{label}</caption>
            <thead>
              <tr>
                <th scope="col">Period start</th>
                <th scope="col">Requests</th>
                <th scope="col">Throttled</th>
              </tr>
            </thead>
            <tbody>
              {usage.items.length === 0 && (
                <tr>
                  <td colSpan={3}>No requests</td>
                </tr>
              )}
              {usage.items.map((item) => (
                <tr key={item.start}>
                  <th scope="row">{absoluteTime(item.start)}</th>
                  <td>{item.count}</td>
                  <td>{item.throttled}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

/** The bars: one per period of the range, zero where the API has none, scaled to the busiest. */
function Bars(props: { usage: KeyUsage; range: UsageRange; now: number }) {
  const periods = fillPeriods(props.usage.items, props.range, props.now);
  const peak = Math.max(1, ...periods.map((p) => p.count));
  const step = WIDTH / periods.length;
  /** Period `i`'s bar of `n` requests, standing on the axis. */
  const bar = (className: string, i: number, n: number) => {
    const height = (n / peak) * HEIGHT;
    return <rect class={className} x={i * step} width={step * 0.8} y={HEIGHT - height} height={height} />;
  };
  return (
    <svg
      class="bars"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      aria-hidden="true"
      focusable="false"
    >
      {periods.map((p, i) =>
        p.count === 0 ? null : (
          <g key={p.start}>
            {bar("bar-count", i, p.count)}
            {p.throttled > 0 && bar("bar-throttled", i, p.throttled)}
          </g>
        ),
      )}
      <line x1={0} x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} class="axis" />
    </svg>
  );
}
