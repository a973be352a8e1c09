import { useState } from "preact/hooks";

/**
 * A dialog's submit: `run(action)` makes it `busy` (its button disabled) until the action ends, and
 * clears the last error; a failure's message becomes `error`, for the dialog's alert.
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
