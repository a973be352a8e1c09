import "vitest";
import type { CustomMatcher } from "aws-sdk-client-mock-vitest";

// Types of the aws-sdk-client-mock-vitest matchers the admin tests register with `expect.extend`.
declare module "vitest" {
  // biome-ignore lint/suspicious/noExplicitAny: vitest declares Matchers<T = any>; merged declarations must agree.
  interface Matchers<T = any> extends CustomMatcher<T> {}
}
