import { type ReminderRun, sendExpiryReminders } from "./expiry-reminders";
import { keyServiceDeps } from "./service-deps";

/**
 * The daily expiry-reminder Lambda (API.md §11), invoked by an EventBridge schedule (the local runtime
 * calls `sendExpiryReminders` itself). Its answer says how many keys it looked at and reminded; it
 * logs nothing of a key but what the audit trail records.
 */
export async function handler(): Promise<ReminderRun> {
  return sendExpiryReminders(keyServiceDeps());
}
