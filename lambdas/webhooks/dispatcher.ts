import { classifyAddress } from "../../contract/public-address";
import type { PostWebhook, ResolvedAddress, ResolveHost } from "../../contract/runtime";
import type { DeliveryAttempt, DeliveryFailureReason } from "../../contract/schemas/deliveries";
import { webhookUrlProblem } from "../../contract/schemas/webhooks";
import { newId } from "../shared/ids";
import type { WebhookEvent } from "../shared/outbox-events";
import { type DeliveryGate, deliveryGate, slotWait } from "./delivery-gate";
import { afterFailure, DISABLE_AFTER_MS } from "./delivery-schedule";
import type { PendingRetry } from "./delivery-schemas";
import type { DeliveryStore, Subscription } from "./delivery-store";
import { failureOf, PostFailure } from "./http-post";
import { SIGNATURE_HEADER, signatureHeader } from "./signature";

/** A receiver has this long to answer (API.md §9). */
export const DELIVERY_TIMEOUT_MS = 10_000;

/** A deferred attempt (no slot in time) is tried again this much later. */
const DEFER_MS = 5_000;

/** Where retries wait until they are due: SQS deployed, a table of its own locally. */
export interface RetryQueue {
  schedule(retry: PendingRetry): Promise<void>;
}

/** A line for the operator (never a body, a header or a secret). */
export type DispatchLog = (
  level: "info" | "warn" | "error",
  message: string,
  fields: Record<string, unknown>,
) => void;

/**
 * Everything the dispatcher depends on, injected: the same code runs in the deployed Lambda, in the
 * local runtime's poller and in tests.
 */
export interface DispatchDeps {
  store: DeliveryStore;
  retries: RetryQueue;
  post: PostWebhook;
  resolve: ResolveHost;
  /** Epoch ms: stamps the attempts and the signature, and decides when retries are due. */
  clock: () => number;
  /** Uniform in [0, 1): the retries' jitter. */
  random: () => number;
  /** `FYNEX_WEBHOOK_RETRY_BASE_SECONDS`: the whole schedule scales with it. */
  retryBaseSeconds: number;
  /** Loopback may be called (local runtime with `FYNEX_WEBHOOKS_ALLOW_LOOPBACK=1` only). */
  allowLoopback: boolean;
  /** Elapsed time of an attempt, ms (a monotonic clock; `performance.now` unless a test injects one). */
  elapsed?: () => number;
  timeoutMs?: number;
  /** Aborts attempts in flight (the local runtime closing). */
  signal?: AbortSignal;
  log?: DispatchLog;
  /** Bounds deliveries in flight per org and per host; one per process unless a test injects its own. */
  gate?: DeliveryGate;
  /** Settles when an attempt has waited long enough for a slot (`slotWait` unless a test injects one). */
  slotWait?: () => Promise<unknown>;
}

/** The process's gate: every dispatch of this Lambda instance (or local runtime) shares its bounds. */
const sharedGate = deliveryGate();

const USER_AGENT = "Fynex-Webhooks/1.0";

/**
 * The addresses an attempt may connect to, or why it may not (the detail is for the operator's log:
 * the tenant sees `refused_address` or `connection_failed`, never the address or the resolver's answer).
 */
async function checkedAddresses(
  deps: DispatchDeps,
  url: URL,
): Promise<{ addresses: ResolvedAddress[] } | { reason: DeliveryFailureReason; detail: string }> {
  const problem = webhookUrlProblem(url.href, { allowLoopback: deps.allowLoopback });
  if (problem) return { reason: "refused_address", detail: problem };
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  // An IP literal was judged just above, as written; it is connected to as written.
  if (classifyAddress(host) !== undefined) return { addresses: [] };
  let addresses: ResolvedAddress[];
  try {
    addresses = await deps.resolve(host);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { reason: "connection_failed", detail: `${host} could not be resolved (${String(code)})` };
  }
  if (addresses.length === 0) return { reason: "connection_failed", detail: `${host} has no address` };
  for (const { address } of addresses) {
    const kind = classifyAddress(address);
    if (kind === "public" || (kind === "loopback" && deps.allowLoopback)) continue;
    return {
      reason: "refused_address",
      detail: `${host} resolves to ${address}, an internal address (${kind ?? "invalid"})`,
    };
  }
  return { addresses };
}

interface PostOutcome {
  statusCode: number | null;
  reason: DeliveryFailureReason | null;
  /** For the operator's log only. */
  detail?: string;
  durationMs: number;
}

/** One POST of `event` to the subscription: its status (or why there was none) and how long it took. */
async function post(
  deps: DispatchDeps,
  subscription: Subscription,
  event: WebhookEvent,
  startedAt: number,
): Promise<PostOutcome> {
  const elapsed = deps.elapsed ?? (() => performance.now());
  const started = elapsed();
  const durationMs = () => Math.max(0, Math.round(elapsed() - started));
  const url = new URL(subscription.url);
  const checked = await checkedAddresses(deps, url);
  if ("reason" in checked) return { statusCode: null, ...checked, durationMs: durationMs() };
  const body = JSON.stringify(event);
  try {
    const { statusCode } = await deps.post({
      url,
      addresses: checked.addresses,
      headers: {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        [SIGNATURE_HEADER]: signatureHeader(subscription.secret, body, startedAt / 1000),
      },
      body,
      timeoutMs: deps.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      signal: deps.signal,
    });
    return { statusCode, reason: statusReason(statusCode), durationMs: durationMs() };
  } catch (error) {
    const failure = error instanceof PostFailure ? error : failureOf(error as Error);
    return { statusCode: null, reason: failure.reason, detail: failure.detail, durationMs: durationMs() };
  }
}

/** A 2xx is a success; a 3xx is a redirect, never followed; anything else is a failed status. */
function statusReason(statusCode: number): DeliveryFailureReason | null {
  if (statusCode >= 200 && statusCode < 300) return null;
  return statusCode >= 300 && statusCode < 400 ? "redirect" : "http_status";
}

/** One delivery attempt: attempt number `attempt` of `event` to `subscription` (the first at `firstAttemptAt`). */
interface Attempt {
  orgId: string;
  subscription: Subscription;
  event: WebhookEvent;
  attempt: number;
  firstAttemptAt?: number;
}

/**
 * Attempt number `attempt` of delivering `event` to one subscription: POST, record the attempt, and
 * then either end the subscription's failure streak (2xx), or schedule the next retry, or mark the
 * delivery failed (retried for the whole span, or the subscription disabled after 3 days of failures).
 * The attempt is recorded before its retry is scheduled: should scheduling fail, the caller's retry
 * repeats the attempt (a duplicate, which at-least-once allows), never leaving two retry chains.
 * It first waits for a slot of the gate (bounds per org and per host); none in time, it is deferred.
 */
async function attemptDelivery(deps: DispatchDeps, job: Attempt): Promise<void> {
  const { orgId, subscription, event, attempt, firstAttemptAt } = job;
  const release = await (deps.gate ?? sharedGate).acquire(
    orgId,
    new URL(subscription.url).hostname,
    (deps.slotWait ?? slotWait)(),
  );
  if (!release) {
    // Too many deliveries in flight for this org or host: the attempt goes to the retry queue as it
    // is (no failure recorded), so the invocation ends in time and the bound holds.
    const now = deps.clock();
    deps.log?.("info", "webhook delivery deferred: concurrency bound reached", {
      orgId,
      webhookId: subscription.id,
      eventId: event.id,
      attempt,
    });
    await deps.retries.schedule({
      orgId,
      webhookId: subscription.id,
      attempt,
      firstAttemptAt: firstAttemptAt ?? now,
      dueAt: now + DEFER_MS,
      event,
    });
    return;
  }
  try {
    await attemptWithSlot(deps, job);
  } finally {
    release();
  }
}

/** Attempt number `attempt`, once a slot is held (see `attemptDelivery`). */
async function attemptWithSlot(deps: DispatchDeps, job: Attempt): Promise<void> {
  const { orgId, subscription, event, attempt, firstAttemptAt } = job;
  const at = deps.clock();
  const first = firstAttemptAt ?? at;
  const result = await post(deps, subscription, event, at);
  const ok = result.reason === null;
  const record: DeliveryAttempt = {
    id: newId("dlv", at),
    eventId: event.id,
    eventType: event.type,
    attempt,
    outcome: "succeeded",
    statusCode: result.statusCode,
    at: new Date(at).toISOString(),
    durationMs: result.durationMs,
    error: result.reason,
    nextAttemptAt: null,
  };
  let retry: PendingRetry | undefined;
  if (ok) {
    if (subscription.failingSince !== undefined) await deps.store.clearFailing(orgId, subscription.id);
  } else {
    const since = await deps.store.markFailing(orgId, subscription.id, at);
    const disabled =
      since !== undefined &&
      at - since >= DISABLE_AFTER_MS &&
      (await deps.store.disable(orgId, subscription.id, since, at));
    const next = afterFailure(deps.retryBaseSeconds, attempt, first, at, deps.random);
    if (disabled) {
      record.outcome = "failed";
      deps.log?.("info", "webhook subscription disabled after 3 days of failures", {
        orgId,
        webhookId: subscription.id,
      });
    } else if ("giveUp" in next) {
      record.outcome = "failed";
    } else {
      record.outcome = "retry_scheduled";
      record.nextAttemptAt = new Date(next.nextAttemptAt).toISOString();
      retry = {
        orgId,
        webhookId: subscription.id,
        attempt: attempt + 1,
        firstAttemptAt: first,
        dueAt: next.nextAttemptAt,
        event,
      };
    }
  }
  await deps.store.recordAttempt(orgId, subscription.id, record);
  deps.log?.("info", "webhook delivery attempt", {
    orgId,
    webhookId: subscription.id,
    eventId: event.id,
    attempt,
    outcome: record.outcome,
    statusCode: record.statusCode,
    reason: record.error,
    ...(result.detail === undefined ? {} : { detail: result.detail }),
    durationMs: record.durationMs,
  });
  if (retry) await deps.retries.schedule(retry);
}

/**
 * The first attempts of a new event (from the outbox): one per enabled subscription of the org that
 * lists its type, as many at once as the gate's bounds allow. Throws when any of them could not be
 * recorded or scheduled, so that the caller redoes the event (the subscriptions already served then
 * get it twice: at least once).
 */
export async function dispatchEvent(deps: DispatchDeps, event: WebhookEvent): Promise<void> {
  const subscriptions = await deps.store.subscriptionsFor(event.orgId, event.type);
  const results = await Promise.allSettled(
    subscriptions.map((subscription) =>
      attemptDelivery(deps, { orgId: event.orgId, subscription, event, attempt: 1 }),
    ),
  );
  const failure = results.find((result) => result.status === "rejected");
  if (failure) throw failure.reason;
}

/**
 * A due retry. The subscription is read again: deleted, disabled, or no longer listing the event's
 * type, the delivery is dropped (a disabled subscription gets nothing); otherwise it is attempted at
 * its current url with its current secret.
 */
export async function retryDelivery(deps: DispatchDeps, retry: PendingRetry): Promise<void> {
  const subscription = await deps.store.subscription(retry.orgId, retry.webhookId);
  if (!subscription?.enabled || !subscription.events.includes(retry.event.type)) {
    deps.log?.("info", "webhook retry dropped: subscription deleted, disabled or unsubscribed", {
      orgId: retry.orgId,
      webhookId: retry.webhookId,
      eventId: retry.event.id,
    });
    return;
  }
  await attemptDelivery(deps, { ...retry, subscription });
}
