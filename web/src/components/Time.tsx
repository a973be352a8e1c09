import { absoluteTime, relativeTime } from "../format";

/** A moment, relative ("3 minutes ago") with the absolute time beside it. */
export function Time(props: { iso: string | null; now: number; none: string }) {
  if (!props.iso) return <span class="muted">{props.none}</span>;
  return (
    <time dateTime={props.iso}>
      {relativeTime(props.iso, props.now)}
      <span class="absolute">{absoluteTime(props.iso)}</span>
    </time>
  );
}
