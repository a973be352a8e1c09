import { ADMIN_DOOR, httpDoor } from "./door";

/**
 * The admin door of key management (API.md §5): API Gateway proxy events on the admin routes,
 * IAM-authorized, answered in the shared envelope. Its function admits only API Gateway; direct
 * invocations go to `direct.handler.ts`, another function.
 */
export const handler = httpDoor(ADMIN_DOOR);
