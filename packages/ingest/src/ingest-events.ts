import { type EventRecord, type IngestResult, type RejectedEvent, toAnalyticsEngineDataPoint, type ValidEvent } from "@edge-analytics/event-schema";
import { tallyAccepted } from "./accepted-counts.ts";
import { type ClientFacts, clientFactsFromUserAgent, enrichEvent, type RequestContext } from "./enrich-event.ts";
import { type FieldError, IngestError } from "./errors.ts";
import type { IngestLimits } from "./limits.ts";
import type { AcceptedCountSink, DeadLetter, DeadLetterSink, HotEventWriter, LakeSink } from "./ports.ts";
import { validateEvent } from "./validate-event.ts";

export type { IngestResult, RejectedEvent };

/** The stages ingestion hands events to; implementations are chosen by the Worker. */
export interface IngestDependencies {
  /** Where accepted events become durable: each table's Pipelines stream. */
  lake: LakeSink;
  /** Accepted events per project, table and hour, for parity with what lands. */
  counts: AcceptedCountSink;
  hot: HotEventWriter;
  deadLetters: DeadLetterSink;
  limits: IngestLimits;
  /** Reports failures of best-effort stages (accepted counts, hot store, dead letters). */
  onBackgroundError?: (stage: string, error: unknown) => void;
}

const RAW_DEAD_LETTER_BYTES = 8 * 1024;

function projectFor(event: ValidEvent, context: RequestContext): string | FieldError {
  if (context.keyProjectId === undefined) {
    return event.project_id ?? { path: "project_id", message: "required when sending through a service binding or RPC" };
  }
  if (event.project_id !== undefined && event.project_id !== context.keyProjectId) {
    return { path: "project_id", message: `this API key belongs to project "${context.keyProjectId}", not "${event.project_id}"` };
  }
  return context.keyProjectId;
}

/**
 * What a dead letter keeps of a rejected input: its JSON text, cut to RAW_DEAD_LETTER_BYTES, or a
 * placeholder when it has none (JSON.stringify throws on nesting thousands deep, which a hostile
 * body has; the Segment path called it unguarded, a 500 found by tests/fuzz.test.ts).
 */
export function rawText(raw: unknown): string {
  try {
    const text = JSON.stringify(raw) ?? String(raw);
    return text.length > RAW_DEAD_LETTER_BYTES ? `${text.slice(0, RAW_DEAD_LETTER_BYTES)}…` : text;
  } catch {
    return "(unserializable)";
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * The one ingestion path, locally and in production: validate each event, enrich it, send the
 * valid ones to their tables' streams, then count them for parity and write them to the hot
 * store. Valid events are accepted even when others in the batch are rejected. Resolves only
 * after the streams accepted the events (at least once into the lake: a client's resend of an
 * accepted event is accepted again, and the read side counts each event_id once); a repeated
 * event_id within one call is dropped at once and counted as a duplicate. If a stream fails the
 * call throws a retryable 503.
 */
export async function ingestEvents(rawEvents: unknown[], context: RequestContext, deps: IngestDependencies): Promise<IngestResult> {
  const rejected: RejectedEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  const client = clientFactsFromUserAgent(context.userAgent);
  const clientByUserAgent = new Map<string, ClientFacts>();
  // An event relayed with its own device context (Segment) is described by that context alone.
  const enrichmentFor = (index: number): { context: RequestContext; client: ClientFacts } => {
    const own = context.perEvent?.[index];
    if (!own) return { context, client };
    const ownContext: RequestContext = { ...context };
    if (own.country) ownContext.country = own.country;
    else delete ownContext.country;
    if (!own.userAgent) return { context: ownContext, client: { is_bot: false } };
    let facts = clientByUserAgent.get(own.userAgent);
    if (!facts) clientByUserAgent.set(own.userAgent, (facts = clientFactsFromUserAgent(own.userAgent)));
    return { context: ownContext, client: facts };
  };
  const receivedAt = context.receivedAt.toISOString();
  const reject = (index: number, errors: FieldError[], eventId: string | undefined, raw: unknown) => {
    rejected.push(eventId ? { index, event_id: eventId, errors } : { index, errors });
    const letter: DeadLetter = { projectId: context.keyProjectId ?? null, receivedAt, index, errors, raw: rawText(raw) };
    if (eventId) letter.eventId = eventId;
    deadLetters.push(letter);
  };

  const accepted: EventRecord[] = [];
  const seenInBatch = new Set<string>();
  let duplicates = 0;
  rawEvents.forEach((raw, index) => {
    const validation = validateEvent(raw, deps.limits);
    if (!validation.ok) return reject(index, validation.errors, validation.eventId, raw);
    const project = projectFor(validation.event, context);
    if (typeof project !== "string") return reject(index, [project], validation.event.event_id, raw);
    const enrichment = enrichmentFor(index);
    const record = enrichEvent(validation.event, project, enrichment.context, enrichment.client);
    const dedupKey = `${record.project_id}/${record.event_id}`;
    if (seenInBatch.has(dedupKey)) {
      duplicates++;
      return;
    }
    seenInBatch.add(dedupKey);
    accepted.push(record);
  });

  if (accepted.length > 0) {
    try {
      await deps.lake.send(accepted);
    } catch (error) {
      if (error instanceof IngestError) throw error;
      deps.onBackgroundError?.("lake", error);
      throw new IngestError(503, "the event store is unavailable; retry (events this request stored already are counted once when read)", {
        retryAfterSeconds: 5,
      });
    }
  }

  // The events are durable now; the rest cannot un-accept them, so failures are reported, not thrown.
  const background = (stage: string, work: () => Promise<void>) =>
    work().catch((error: unknown) => deps.onBackgroundError?.(stage, error));
  await Promise.all([
    background("accepted-counts", async () => {
      for (const [projectId, records] of groupBy(accepted, (record) => record.project_id)) await deps.counts.record(projectId, tallyAccepted(records));
    }),
    background("hot-store", async () => {
      if (accepted.length > 0) await deps.hot.write(accepted.map(toAnalyticsEngineDataPoint));
    }),
    background("dead-letters", async () => {
      if (deadLetters.length > 0) await deps.deadLetters.record(deadLetters);
    }),
  ]);

  rejected.sort((a, b) => a.index - b.index);
  return { accepted: accepted.length, duplicates, rejected };
}
