import { appLogger } from "./telemetry";

/**
 * A structured log line through the process's Powertools logger. Callers pass named fields, never
 * events, headers or bodies, so no key can reach a log through here.
 */
type Level = "info" | "warn" | "error";

export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  appLogger()[level](message, fields);
}

/** An unexpected error as log fields: its class and where it came from, not its data. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error)
    return { errorName: error.name, errorMessage: error.message, stack: error.stack };
  return { errorName: typeof error };
}
