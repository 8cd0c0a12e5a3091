import { type EventRecord, TABLE_BY_EVENT_TYPE } from "@edge-analytics/event-schema";
import { IngestError } from "./errors.ts";
import type { AcceptedTally, EventIdLedger, EventJournal, JournalResult, LakeSink } from "./ports.ts";

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

/**
 * The production journal: an idempotency ledger in front of a sink that cannot deduplicate
 * (Cloudflare Pipelines). Ids are claimed, the new records sent, then the claims committed.
 * If the send fails, the claims are released and a retryable 503 is thrown, so nothing is lost;
 * a claim that is never committed (the Worker died) expires after its lease, so a retry is
 * accepted; a committed id is a duplicate, so nothing is written twice.
 */
export class LedgeredJournal implements EventJournal {
  constructor(
    private readonly ledger: EventIdLedger,
    private readonly sink: LakeSink,
    private readonly report: (stage: string, error: unknown) => void = () => {},
  ) {}

  async append(projectId: string, records: EventRecord[]): Promise<JournalResult> {
    const claim = await this.ledger.claim(
      projectId,
      records.map((record) => record.event_id),
    );
    const claimed = new Set(claim.claimed);
    const fresh = records.filter((record) => claimed.has(record.event_id));
    if (fresh.length > 0) {
      try {
        await this.sink.send(fresh);
      } catch (error) {
        await this.ledger.release(projectId, claim).catch((releaseError: unknown) => this.report("ledger-release", releaseError));
        this.report("lake", error);
        throw new IngestError(503, "the event store is unavailable; no event of this request was accepted, retry", {
          retryAfterSeconds: 5,
        });
      }
      // The records are durable now: a failed commit cannot un-accept them (the claim expires,
      // and a retry after that would be deduplicated downstream by event_id), so it is reported.
      await this.ledger.commit(projectId, claim, tallyAccepted(fresh)).catch((error: unknown) => this.report("ledger-commit", error));
    }
    return { accepted: claim.claimed, duplicates: claim.duplicates, inFlight: claim.inFlight };
  }
}
