/**
 * Event types as the client sees them, derived from the platform's zod schemas
 * (packages/event-schema/src/events.ts) and never restated: a field added there appears here.
 * Type-only imports, so the client does not bundle zod at run time.
 */
import type { Channel, EventInput, EventProperties, EventType } from "@edge-analytics/event-schema";

export type { Channel, EventProperties, EventType };

/** An event of one type exactly as the platform accepts it (the zod input schema of `T`). */
export type EventOf<T extends EventType> = Extract<EventInput, { type: T }>;

/**
 * What a caller passes to a typed helper such as `page()` or `usage()`: the event's fields
 * without `type` (the helper's), and with `session_id` optional because the client's
 * `sessionId` default may fill it.
 */
export type EventFields<T extends EventType> = Omit<EventOf<T>, "type" | "session_id"> & {
  session_id?: EventOf<T>["session_id"];
};

/** Any event passed to `send()`: one of the platform's event types, `session_id` optional. */
export type ClientEvent = { [T in EventType]: EventFields<T> & { type: T } }[EventType];

/**
 * An event as it goes on the wire: defaults applied, and an `event_id` and `timestamp` fixed at
 * the call so that every retry of it is the same event to the server's deduplication.
 */
export type OutgoingEvent = { [T in EventType]: OutgoingEventOf<T> }[EventType];

/** An {@link OutgoingEvent} of one type. */
export type OutgoingEventOf<T extends EventType> = EventOf<T> & { event_id: string; timestamp: string };

/** The HTTP methods an `api_request` event can carry (the schema's enum). */
export type ApiRequestMethod = EventOf<"api_request">["method"];
