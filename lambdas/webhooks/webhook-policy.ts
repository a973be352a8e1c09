import type { WebhookUrlPolicy } from "../../contract/schemas/webhooks";
import type { Settings } from "../shared/runtime";

/** What subscription URLs may point at here: loopback only where the local runtime was told so. */
export function webhookUrlPolicy(settings: Pick<Settings, "webhooksAllowLoopback">): WebhookUrlPolicy {
  return { allowLoopback: settings.webhooksAllowLoopback === true };
}
