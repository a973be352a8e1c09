import type { Settings } from "../../contract/runtime";
import type { WebhookUrlPolicy } from "./webhook-schemas";

/** What subscription URLs may point at here: loopback only where the local runtime was told so. */
export function webhookUrlPolicy(settings: Pick<Settings, "webhooksAllowLoopback">): WebhookUrlPolicy {
  return { allowLoopback: settings.webhooksAllowLoopback === true };
}
