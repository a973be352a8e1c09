import { devMode, envFlag } from "./log";

/**
 * Metrics in CloudWatch's embedded metric format: one JSON document per line on stdout, which
 * CloudWatch turns into metrics from the log alone (no API call). The documents are the ones
 * Powertools' metrics wrote before (docs/DECISIONS.md #336): `_aws` with the timestamp and one
 * directive (namespace, one dimension set, each metric's name and unit), then the dimensions' values
 * and the metrics' values, at the top level. Nothing is written in development mode
 * (`POWERTOOLS_DEV`) unless `POWERTOOLS_METRICS_DISABLED` says otherwise, nor when it is true.
 */
export type MetricUnit = "Count" | "Milliseconds";

export interface Metric {
  name: string;
  unit: MetricUnit;
  value: number;
}

/** One document: its metrics under one namespace and one set of dimensions (in their order). */
export function emfDocument(
  namespace: string,
  dimensions: Readonly<Record<string, string>>,
  metrics: readonly Metric[],
  timestamp: number = Date.now(),
): Record<string, unknown> {
  const document: Record<string, unknown> = {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [Object.keys(dimensions)],
          Metrics: metrics.map(({ name, unit }) => ({ Name: name, Unit: unit })),
        },
      ],
    },
    ...dimensions,
  };
  for (const { name, value } of metrics) document[name] = value;
  return document;
}

/** Writes a document as one line, unless metrics are off (see the module's comment). */
export function publish(document: Record<string, unknown>): void {
  if (envFlag("POWERTOOLS_METRICS_DISABLED") ?? devMode()) return;
  const line = JSON.stringify(document);
  if (devMode()) console.log(line);
  else process.stdout.write(`${line}\n`);
}
