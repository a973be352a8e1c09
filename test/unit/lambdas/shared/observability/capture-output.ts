import { afterAll, afterEach, beforeEach, type MockInstance, vi } from "vitest";

/** One write to stdout or stderr, or one call of a console method (`console.log`...). */
export interface Written {
  stream: string;
  text: string;
}

/**
 * Captures, for each test of the file, everything written to stdout and stderr and through the
 * console (where the log writes under `POWERTOOLS_DEV`), restores them and the environment after it,
 * and drops the modules the tests loaded afresh at the end, so the next file in this worker loads its
 * own. Returns the writes of the running test: one array, emptied before each test.
 */
export function captureOutput(): Written[] {
  const written: Written[] = [];
  let spies: MockInstance[] = [];
  beforeEach(() => {
    written.length = 0;
    spies = [
      ...(["stdout", "stderr"] as const).map((stream) =>
        vi.spyOn(process[stream], "write").mockImplementation((chunk: string | Uint8Array) => {
          written.push({ stream, text: String(chunk) });
          return true;
        }),
      ),
      ...(["log", "info", "warn", "error", "debug"] as const).map((method) =>
        vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          written.push({ stream: `console.${method}`, text: args.join(" ") });
        }),
      ),
    ];
  });
  afterEach(() => {
    for (const spy of spies) spy.mockRestore();
    vi.unstubAllEnvs();
  });
  afterAll(() => vi.resetModules());
  return written;
}
