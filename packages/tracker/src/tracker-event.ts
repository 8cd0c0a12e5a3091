import type { EventInput } from "@edge-analytics/event-schema";

/**
 * The events the tracker sends, as the event schema defines their input (type-only import: the
 * bundle carries no zod).
 */
export type TrackerEvent = Extract<EventInput, { type: "page_view" | "user_action" | "custom" }>;

/** One event type of {@link TrackerEvent}. */
export type TrackerEventOf<T extends TrackerEvent["type"]> = Extract<TrackerEvent, { type: T }>;

/** The fields every tracker event starts from. */
export type BaseFields = Pick<TrackerEvent, "event_id" | "timestamp" | "session_id" | "user_id" | "channel" | "platform">;
