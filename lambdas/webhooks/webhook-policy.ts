import { runtime } from "../shared/runtime";
import type { WebhookUrlPolicy } from "./webhook-schemas";

/** What subscription URLs may point at here: loopback only where the local runtime was told so. */
export function webhookUrlPolicy(): WebhookUrlPolicy {
  return { allowLoopback: runtime().settings.webhooksAllowLoopback === true };
}
