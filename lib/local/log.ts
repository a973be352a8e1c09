/**
 * The local runtime's own failures (its gateway, its webhook poller, an origin server), as JSON lines
 * on stderr beside the functions' lines: warnings and errors only, never a request's data. Its own,
 * not the functions' logger (`lambdas/shared/observability/log.ts`): the runtime stands where AWS
 * does and imports nothing of `lambdas/` but entry modules, by path (docs/DECISIONS.md #275).
 */
export function localLog(
  level: "warn" | "error",
  message: string,
  fields: Record<string, unknown> = {},
): void {
  const line = {
    level: level.toUpperCase(),
    message,
    service: "fynex-local",
    timestamp: new Date().toISOString(),
  };
  process.stderr.write(`${JSON.stringify({ ...line, ...fields })}\n`);
}

/** An unexpected error as log fields: its class and message, not its data. */
export function failureFields(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { errorName: error.name, errorMessage: error.message, stack: error.stack }
    : { errorName: typeof error };
}
