import type { ListKeysInput } from "../../contract/schemas/keys";
import type { ApiKeyItem } from "../shared/api-keys/key-record";

/**
 * `unusedForDays` as instants (API.md §11): keys whose last use, or never used their creation, is at
 * or before now minus that many days; `createdBy` is the same instant as the org index's sort key.
 */
export function unusedCutoff(input: ListKeysInput, nowMs: number) {
  if (input.unusedForDays === undefined) return undefined;
  const lastUsedBy = nowMs - input.unusedForDays * 86_400_000;
  return { lastUsedBy, createdBy: new Date(lastUsedBy).toISOString() };
}

/** When a key was last used (any counted request, 429 and 403 included), or its creation if never. */
export const lastActivity = (item: ApiKeyItem) => item.lastUsedAt ?? Date.parse(item.createdAt);
