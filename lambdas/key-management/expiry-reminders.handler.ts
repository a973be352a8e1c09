import type { ReminderRun, Runtime } from "../../contract/runtime";
import { runtimeFromEnvironment } from "../shared/runtime";
import { sendExpiryReminders } from "./expiry-reminders";
import { keyServiceDepsOf } from "./service-deps";

/**
 * The daily expiry-reminder Lambda (API.md §11), invoked by an EventBridge schedule (the local runtime
 * builds the same handler and runs it on a timer). Its answer says how many keys it looked at and reminded; it
 * logs nothing of a key but what the audit trail records.
 */
export function createHandler(runtime: Runtime): () => Promise<ReminderRun> {
  const deps = keyServiceDepsOf(runtime);
  return () => sendExpiryReminders(deps);
}

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
