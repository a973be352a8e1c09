/** Minimal view of the header fields of an API Gateway REST proxy or REQUEST authorizer event. */
export interface HeaderBag {
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
}

/**
 * Every value of a header, whatever the casing the client used (API Gateway REST passes names as sent).
 * Values from `multiValueHeaders` win; `headers` holds only the last value of a repeated header.
 */
export function headerValues(event: HeaderBag, name: string): string[] {
  const wanted = name.toLowerCase();
  const values: string[] = [];
  for (const [key, list] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted && list) values.push(...list);
  }
  if (values.length > 0) return values;
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) values.push(value);
  }
  return values;
}

/** The header's single value; undefined when absent. Callers that must refuse repeats use `headerValues`. */
export function headerValue(event: HeaderBag, name: string): string | undefined {
  return headerValues(event, name)[0];
}

/**
 * The header's one value when every value the client sent is one and the same non-empty string;
 * undefined otherwise (absent, empty, or differing values). For identity headers such as `X-API-Key`
 * (API.md §3): an empty value beside a real one is refused, never dropped, because a proxy that reads
 * the first header would see another value than ours.
 */
export function soleHeaderValue(event: HeaderBag, name: string): string | undefined {
  const [first, ...rest] = headerValues(event, name);
  if (first === undefined || first === "" || rest.some((value) => value !== first)) return undefined;
  return first;
}
