import type { KeyPolicy } from "../../contract/api-types";
import { type Outcome, ok } from "../shared/outcome";
import { policyAnswer, readPolicy } from "./key-policy-store";
import type { KeyServiceDeps } from "./key-store";

/** The org's key policy (API.md §12): the defaults, with `updatedAt`/`updatedBy` null, if never set. */
export async function getKeyPolicy(deps: KeyServiceDeps, orgId: string): Promise<Outcome<KeyPolicy>> {
  return ok(policyAnswer(await readPolicy(deps, orgId)));
}
