import type { Runtime } from "../../../contract/runtime";
import { runtimeFromEnvironment } from "../../shared/runtime";
import { ADMIN_DOOR, httpDoor } from "./door";

/**
 * The admin door of key management (API.md §5): API Gateway proxy events on the admin routes,
 * IAM-authorized, answered in the shared envelope. Its function admits only API Gateway; direct
 * invocations go to `direct.handler.ts`, another function.
 */
export const createHandler = (runtime: Runtime) => httpDoor(ADMIN_DOOR, runtime);

/** The Lambda entry point: built once, when the function starts, from its environment. */
export const handler = createHandler(runtimeFromEnvironment(process.env));
