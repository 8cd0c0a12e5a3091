import { type EventRecord, TABLE_BY_EVENT_TYPE } from "@edge-analytics/event-schema";
import type { AcceptedTally } from "./ports.ts";

/** The records counted per lake table and UTC hour of receipt (the first 13 characters of `received_at`). */
export function tallyAccepted(records: readonly EventRecord[]): AcceptedTally[] {
  const tallies = new Map<string, AcceptedTally>();
  for (const record of records) {
    const table = TABLE_BY_EVENT_TYPE[record.type];
    const hour = record.received_at.slice(0, 13);
    const key = `${table}/${hour}`;
    const tally = tallies.get(key);
    if (tally) tally.accepted++;
    else tallies.set(key, { table, hour, accepted: 1 });
  }
  return [...tallies.values()];
}

/** Sends one project's tallies to where they are kept (the project's counter object). */
export type AcceptedCountFlush = (projectId: string, tallies: AcceptedTally[]) => Promise<void>;

/**
 * Accepted counts of many requests, summed in memory and sent at most once per `intervalMs`:
 * parity needs counts per hour, not per request, so one isolate's requests share one small write
 * per project and interval instead of paying one each. Counts an isolate holds when it is evicted
 * before its next flush are lost (at most one interval's); parity then under-reports `accepted`,
 * which can never turn an hour with a loss into a mismatch, only hide one in that interval.
 *
 * Create one per isolate (module scope) and call `flush` after each `add`: it answers the work to
 * keep alive (`ctx.waitUntil`), or undefined when an earlier call's flush already covers the counts.
 */
export class AcceptedCountBatcher {
  private pending = new Map<string, Map<string, AcceptedTally>>();
  private lastFlushMs = Number.NEGATIVE_INFINITY;
  private scheduled = false;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Adds one request's tallies of a project. */
  add(projectId: string, tallies: readonly AcceptedTally[]): void {
    let project = this.pending.get(projectId);
    if (!project) this.pending.set(projectId, (project = new Map()));
    for (const tally of tallies) {
      const key = `${tally.table}/${tally.hour}`;
      const held = project.get(key);
      if (held) held.accepted += tally.accepted;
      else project.set(key, { ...tally });
    }
  }

  /** How many events are counted and not yet sent. */
  pendingEvents(): number {
    let events = 0;
    for (const project of this.pending.values()) for (const tally of project.values()) events += tally.accepted;
    return events;
  }

  /**
   * Sends what is pending once the interval since the last flush has passed (waiting for it when
   * needed). A project whose send fails keeps its counts for the next flush; the failure is
   * passed to `report`.
   */
  flush(send: AcceptedCountFlush, report: (projectId: string, error: unknown) => void): Promise<void> | undefined {
    if (this.scheduled || this.pending.size === 0) return undefined;
    this.scheduled = true;
    const wait = Math.max(0, this.lastFlushMs + this.intervalMs - this.now());
    return (async () => {
      if (wait > 0) await this.sleep(wait);
      const taken = this.pending;
      this.pending = new Map();
      this.lastFlushMs = this.now();
      // Counts added from here on schedule the next flush.
      this.scheduled = false;
      await Promise.all(
        [...taken].map(async ([projectId, tallies]) => {
          try {
            await send(projectId, [...tallies.values()]);
          } catch (error) {
            this.add(projectId, [...tallies.values()]);
            report(projectId, error);
          }
        }),
      );
    })();
  }
}
