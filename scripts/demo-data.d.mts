// Types for demo-data.mjs (plain ESM so it runs before anything is built), for TypeScript callers
// such as tests and benchmarks.

/** A demo event as sent to `POST /events` (shapes from packages/event-schema/src/events.ts). */
export interface DemoEvent {
  type: "page_view" | "video_event" | "user_action" | "api_request" | "usage" | "custom";
  event_id: string;
  project_id: string;
  session_id: string;
  timestamp: string;
  [field: string]: unknown;
}

/** What ingestion answered for the events sent, summed over batches. */
export interface SendResult {
  accepted: number;
  duplicates: number;
  rejected: Array<{ index: number; event_id?: string; errors: Array<{ path: string; message: string }> }>;
}

/** A seeded random stream (mulberry32): the same seed yields the same values. */
export interface DemoRandom {
  /** In [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** A version-4-shaped UUID from the stream. */
  uuid(): string;
}

/** The seeded PRNG behind every demo data set. */
export declare function createRandom(seed: number): DemoRandom;

/** Generates `count` deterministic events of all six types over the `days` days before `now`. */
export declare function generateDemoEvents(options?: {
  seed?: number;
  count?: number;
  now?: number;
  days?: number;
  projectId?: string;
}): DemoEvent[];

/** Events per type, sorted by type name. */
export declare function countByType(events: ReadonlyArray<{ type: string }>): Record<string, number>;

/** POSTs events to `<origin>/events` in batches of at most 100; rejects on non-202 or a rejected event. */
export declare function sendEvents(
  origin: string,
  events: readonly unknown[],
  options?: { apiKey?: string; batchSize?: number; onBatch?: (batch: { offset: number; size: number; result: SendResult }) => void },
): Promise<SendResult>;

/** The marker file that says a state folder holds the demo data. */
export declare function demoMarkerPath(stateDir: string): string;

/** Loads the demo data unless the state folder's marker says it is there. */
export declare function loadDemoDataOnce(options: {
  origin: string;
  stateDir: string;
  seed?: number;
  count?: number;
  apiKey?: string;
  /** The operator key for `POST /admin/flush` (default local-admin-key). */
  adminKey?: string;
  log?: (message: string) => void;
}): Promise<
  | { skipped: true; marker: string; previous: { loaded_at: string; events: number; [field: string]: unknown } }
  | {
      skipped: false;
      marker: string;
      loaded_at: string;
      /** Parquet files the flush after loading wrote. */
      lake_files: number;
      seed: number;
      events: number;
      by_type: Record<string, number>;
      accepted: number;
      duplicates: number;
      first_timestamp: string | undefined;
      last_timestamp: string | undefined;
    }
>;
