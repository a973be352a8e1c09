import type { Context } from "aws-lambda";
import type { AuthorizerContext } from "../api-keys/authorizer-context";

/**
 * What the middy chain learns about a request on its way in, for the middlewares and the handler that
 * follow: carried on the invocation's own context object (middy's `request.context`, which the handler
 * receives too), never in module state keyed by the event.
 */
export interface RequestState {
  /** The caller's key, decoded from the authorizer's context (business routes). */
  auth?: AuthorizerContext;
  /** When the chain started serving the request (`performance.now()`), for its log line's duration. */
  startedAt?: number;
  /** Who is asking, as the door proved it (key management: `lambdas/key-management/doors/door.ts`). */
  caller?: { actor: string };
}

/** The context with its request state: a typed field of our own beside Lambda's. */
type StatefulContext = Context & { fynexRequest?: RequestState };

/** The invocation's request state, made empty on first use (one Lambda context per invocation). */
export function requestState(context: Context): RequestState {
  const stateful = context as StatefulContext;
  stateful.fynexRequest ??= {};
  return stateful.fynexRequest;
}
