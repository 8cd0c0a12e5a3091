import { v7 as uuidv7 } from "uuid";
import { SERVER_MAX_BATCH_EVENTS, SERVER_MAX_BODY_BYTES } from "./batches.ts";
import type { DeliveryError } from "./delivery-error.ts";
import { DeliveryQueue } from "./delivery-queue.ts";
import type { Channel, ClientEvent, EventFields, EventOf, EventProperties, EventType, OutgoingEvent, OutgoingEventOf } from "./events.ts";
import type { EventRejection, FlushResult } from "./flush-result.ts";
import type { RetryPolicy } from "./retry.ts";
import { detectRuntime } from "./runtime.ts";
import type { Transport } from "./transport.ts";

/** Base fields the client fills on every event the caller leaves them out of. */
export interface ClientDefaults {
  /** `session_id` of events that name none. Events must have one: set it here or on each event. */
  sessionId?: EventOf<EventType>["session_id"];
  userId?: EventOf<EventType>["user_id"];
  /** Needed with the service-binding transports (no key decides the project); not with HTTP. */
  projectId?: EventOf<EventType>["project_id"];
  /** Defaults to `"server"`. */
  channel?: Channel;
  /** Defaults to `"workers"` in Cloudflare Workers and `"node"` in Node. */
  platform?: EventOf<EventType>["platform"];
  /** Left to the server's default (`production`) when unset. */
  environment?: EventOf<EventType>["environment"];
}

/** The event field each default fills: the one place option names meet field names. */
const DEFAULT_FIELDS = {
  sessionId: "session_id",
  userId: "user_id",
  projectId: "project_id",
  channel: "channel",
  platform: "platform",
  environment: "environment",
} as const satisfies Record<keyof ClientDefaults, keyof EventOf<EventType>>;

/** Options of {@link createClient}. */
export interface ClientOptions extends ClientDefaults {
  /** How batches reach ingestion: `httpTransport`, `serviceBindingFetchTransport` or `serviceBindingRpcTransport`. */
  transport: Transport;
  /** Events per request; default 100, at most 500 (the server's `MAX_BATCH_EVENTS`). */
  maxBatchEvents?: number;
  /** Bytes of JSON per request; default 512 KiB, at most 1 MiB (the server's `MAX_BODY_BYTES`). */
  maxBatchBytes?: number;
  /**
   * How long an event may wait for more before a batch leaves; 0 disables the timer. Defaults to
   * 1000 ms, and to 0 in Cloudflare Workers, where a timer does not outlive the request that set
   * it: there, call `ctx.waitUntil(client.flush())` before returning (the Hono middleware does).
   */
  flushIntervalMs?: number;
  /**
   * Retries on 429, 502, 503, 504 and network errors. Defaults: 5 attempts, backoff from 250 ms,
   * waits up to 60 s (10 s in Workers, where `waitUntil` work ends 30 s after the response).
   */
  retry?: Partial<RetryPolicy>;
  /** A batch was not delivered. Defaults to `console.error`. */
  onError?: (error: DeliveryError) => void;
  /** The server refused some events of a batch (202 with `rejected`). Defaults to `console.warn`. */
  onRejected?: (rejections: EventRejection[]) => void;
  /** For tests: waits between retries (default `setTimeout`). */
  sleep?: (ms: number) => Promise<void>;
  /** For tests: the jitter's random source (default `Math.random`). */
  random?: () => number;
  /** For tests: the clock of `timestamp` and of the UUIDv7 `event_id` (default `Date.now`). */
  now?: () => number;
}

const DEFAULT_MAX_BATCH_EVENTS = 100;
/** Half the server's 1 MiB (the hard cap): smaller requests hold less memory and retry faster. */
const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;

function integerIn(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const resolved = value ?? fallback;
  if (!Number.isInteger(resolved) || resolved < min || resolved > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${resolved}`);
  }
  return resolved;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  // A field given as `undefined` must not erase the client's default for it.
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The defaults among `options` (which also hold the transport, limits, callbacks...). */
function pickDefaults(options: ClientDefaults): ClientDefaults {
  return withoutUndefined(Object.fromEntries(Object.keys(DEFAULT_FIELDS).map((option) => [option, options[option as keyof ClientDefaults]])));
}

function defaultFields(defaults: ClientDefaults): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [option, field] of Object.entries(DEFAULT_FIELDS) as [keyof ClientDefaults, string][]) {
    const value = defaults[option];
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function logDeliveryError(error: DeliveryError): void {
  console.error(`@edge-analytics/client: ${error.events.length} event(s) not delivered: ${error.message}`);
}

function logRejections(rejections: EventRejection[]): void {
  const first = rejections[0];
  const why = first ? first.errors.map((e) => `${e.path}: ${e.message}`).join("; ") : "";
  console.warn(`@edge-analytics/client: the server rejected ${rejections.length} event(s), e.g. ${why}`);
}

/**
 * Sends typed events to the platform in batches, with retries. Create one with
 * {@link createClient}; `child()` gives a view with more defaults that shares its queue.
 *
 * Each event gets its UUIDv7 `event_id` and `timestamp` when it is recorded, so a batch sent again
 * after a timeout is deduplicated by the server rather than counted twice.
 */
export class AnalyticsClient {
  #queue: DeliveryQueue;
  readonly #defaults: ClientDefaults;
  readonly #fields: Record<string, string>;
  readonly #now: () => number;
  readonly #options: ClientOptions;

  constructor(options: ClientOptions) {
    const runtime = detectRuntime();
    const inWorkers = runtime === "workers";
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const platform = runtime === "other" ? undefined : runtime;
    this.#defaults = { channel: "server", ...(platform ? { platform } : {}), ...pickDefaults(options) };
    this.#fields = defaultFields(this.#defaults);
    const retry = options.retry ?? {};
    this.#queue = new DeliveryQueue({
      transport: options.transport,
      limits: {
        maxEvents: integerIn("maxBatchEvents", options.maxBatchEvents, DEFAULT_MAX_BATCH_EVENTS, 1, SERVER_MAX_BATCH_EVENTS),
        maxBytes: integerIn("maxBatchBytes", options.maxBatchBytes, DEFAULT_MAX_BATCH_BYTES, 1, SERVER_MAX_BODY_BYTES),
      },
      flushIntervalMs: integerIn("flushIntervalMs", options.flushIntervalMs, inWorkers ? 0 : 1000, 0, 2 ** 31 - 1),
      retry: {
        maxAttempts: integerIn("retry.maxAttempts", retry.maxAttempts, 5, 1, 100),
        baseDelayMs: integerIn("retry.baseDelayMs", retry.baseDelayMs, 250, 0, 2 ** 31 - 1),
        maxDelayMs: integerIn("retry.maxDelayMs", retry.maxDelayMs, inWorkers ? 10_000 : 60_000, 0, 2 ** 31 - 1),
      },
      clock: { sleep: options.sleep ?? defaultSleep, random: options.random ?? Math.random },
      onError: options.onError ?? logDeliveryError,
      onRejected: options.onRejected ?? logRejections,
    });
  }

  /**
   * A client with more defaults (a request's session or user, say) that shares this client's
   * queue, timer and retries: events recorded through either leave in the same batches.
   *
   * @example
   * const requestClient = client.child({ sessionId: request.headers.get("x-session-id") ?? undefined });
   */
  child(defaults: ClientDefaults): AnalyticsClient {
    const child = new AnalyticsClient({ ...this.#options, ...this.#defaults, ...withoutUndefined(defaults) });
    child.#queue = this.#queue;
    return child;
  }

  /**
   * Records a `custom` event named `name`.
   *
   * @example
   * client.track("signup", { plan: "pro" }, { user_id: "u-1" });
   */
  track(name: string, properties?: EventProperties, fields?: Omit<EventFields<"custom">, "name" | "properties">): OutgoingEventOf<"custom"> {
    return this.#record("custom", { ...fields, name, ...(properties ? { properties } : {}) });
  }

  /** Records a `page_view`. */
  page(fields: EventFields<"page_view">): OutgoingEventOf<"page_view"> {
    return this.#record("page_view", fields);
  }

  /** Records a `video_event`. */
  video(fields: EventFields<"video_event">): OutgoingEventOf<"video_event"> {
    return this.#record("video_event", fields);
  }

  /** Records a `user_action`. */
  action(fields: EventFields<"user_action">): OutgoingEventOf<"user_action"> {
    return this.#record("user_action", fields);
  }

  /** Records an `api_request` (the Hono middleware does this for every request). */
  apiRequest(fields: EventFields<"api_request">): OutgoingEventOf<"api_request"> {
    return this.#record("api_request", fields);
  }

  /**
   * Records a `usage` event, e.g. for billing.
   *
   * @example
   * client.usage({ organization_id: "org_1", sku: "api_calls", quantity: 1, unit: "count" });
   */
  usage(fields: EventFields<"usage">): OutgoingEventOf<"usage"> {
    return this.#record("usage", fields);
  }

  /** Records an event of any type. */
  send(event: ClientEvent): OutgoingEvent {
    const { type, ...fields } = event;
    return this.#record(type, fields);
  }

  /**
   * Sends everything queued and waits for every send under way. Never rejects: failures are in
   * the result (and went to `onError`). In Workers, hand it to `ctx.waitUntil`.
   */
  flush(): Promise<FlushResult> {
    return this.#queue.flush();
  }

  /** Flushes; events recorded afterwards go to `onError` instead of the server. */
  close(): Promise<FlushResult> {
    return this.#queue.close();
  }

  /**
   * Completes an event and queues it. Throws a `TypeError` when no `session_id` can be found:
   * a programming error the server would reject anyway, better seen where it is made.
   */
  #record<T extends EventType>(type: T, fields: object): OutgoingEventOf<T> {
    const given = withoutUndefined(fields as Record<string, unknown>);
    const sessionId = given.session_id ?? this.#defaults.sessionId;
    if (typeof sessionId !== "string") throw new TypeError(`a ${type} event needs a session_id: pass one, or set the client's sessionId`);
    const now = this.#now();
    // The schema checks the fields (server side); the type system already made them fit one type.
    const event = {
      type,
      ...this.#fields,
      ...given,
      session_id: sessionId,
      event_id: given.event_id ?? uuidv7({ msecs: now }),
      timestamp: given.timestamp ?? new Date(now).toISOString(),
    } as OutgoingEventOf<T>;
    this.#queue.enqueue(event as OutgoingEvent);
    return event;
  }
}

/**
 * Creates a client.
 *
 * @example Node, over HTTP with a project key
 * const client = createClient({
 *   transport: httpTransport({ baseUrl: "https://analytics.example.com", apiKey: process.env.ANALYTICS_KEY! }),
 *   sessionId: "server-1",
 * });
 * client.usage({ organization_id: "org_1", sku: "exports", quantity: 1, unit: "count" });
 * await client.close(); // before the process exits
 *
 * @example A Worker, over the RPC service binding
 * const client = createClient({ transport: serviceBindingRpcTransport(env.ANALYTICS), projectId: "my-project" });
 * client.track("signup", undefined, { session_id: sessionId });
 * ctx.waitUntil(client.flush());
 */
export function createClient(options: ClientOptions): AnalyticsClient {
  return new AnalyticsClient(options);
}
