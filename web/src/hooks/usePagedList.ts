import { useEffect, useState } from "preact/hooks";
import type { Page } from "../../../contract/api-types";

/**
 * A list read page by page with `fetchPage`: the first page on mount and whenever `reloadOn` changes;
 * `more` appends the next page (undefined after the last). A failure's message is `error`, and the
 * items read so far stay.
 */
export function usePagedList<T>(
  fetchPage: (cursor?: string) => Promise<Page<T>>,
  reloadOn: readonly unknown[],
) {
  const [items, setItems] = useState<T[]>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string>();
  const load = async (from?: string) => {
    try {
      const page = await fetchPage(from);
      setItems((current) => (from ? [...(current ?? []), ...page.items] : page.items));
      setCursor(page.nextCursor);
      setError(undefined);
    } catch (caught) {
      setError((caught as Error).message);
    }
  };
  useEffect(() => {
    void load();
  }, reloadOn);
  return { items, setItems, error, more: cursor ? () => load(cursor) : undefined };
}
