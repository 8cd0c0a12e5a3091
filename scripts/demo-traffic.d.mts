// Types for demo-traffic.mjs (plain ESM so it runs before anything is built), for TypeScript callers
// such as the dashboard's browser test.
import type { DemoEvent } from "./demo-data.mjs";

/** Options of the traffic's shape; the same options and clock give the same events. */
export interface DemoTrafficOptions {
  /** Days of traffic ending at `now` (default 30). */
  days?: number;
  /** Mean visits a day (default 300). */
  sessionsPerDay?: number;
  /** Mean API requests a day of the shop's backend (default 400). */
  apiRequestsPerDay?: number;
  seed?: number;
  /** Epoch ms the traffic ends at (default: now). */
  now?: number;
}

/** Generates days of realistic traffic of all six event types, sorted by timestamp. */
export declare function generateDemoTraffic(options?: DemoTrafficOptions & { projectId?: string }): DemoEvent[];

/** What {@link loadDemoTraffic} sent. */
export interface DemoTrafficResult {
  days: number;
  seed: number;
  events: number;
  by_type: Record<string, number>;
  accepted: number;
  duplicates: number;
  /** Parquet files the flush after loading wrote. */
  lake_files: number;
  first_timestamp: string | undefined;
  last_timestamp: string | undefined;
}

/** Sends demo traffic through `POST <origin>/events` in batches (progress after each), then flushes the lake. */
export declare function loadDemoTraffic(
  options: DemoTrafficOptions & {
    origin: string;
    /** A key that may send (default local-dev-key). */
    apiKey?: string;
    /** The operator key for `POST /admin/flush` (default local-admin-key). */
    adminKey?: string;
    /** Flush the lake after sending (default true). */
    flush?: boolean;
    onProgress?: (progress: { sent: number; total: number }) => void;
  },
): Promise<DemoTrafficResult>;

/** The marker file that says a state folder holds the demo traffic. */
export declare function demoTrafficMarkerPath(stateDir: string): string;

/** {@link loadDemoTraffic} unless the state folder's marker says it is there; resolves like `loadDemoDataOnce`. */
export declare function loadDemoTrafficOnce(
  options: DemoTrafficOptions & {
    origin: string;
    stateDir: string;
    apiKey?: string;
    adminKey?: string;
    log?: (message: string) => void;
    onProgress?: (progress: { sent: number; total: number }) => void;
  },
): Promise<
  | { skipped: true; marker: string; previous: { loaded_at: string; events: number; [field: string]: unknown } }
  | ({ skipped: false; marker: string; loaded_at: string } & DemoTrafficResult)
>;

/** A text progress bar: `[#####-----]  50% 1,000/2,000 events`. */
export declare function progressBar(sent: number, total: number, width?: number): string;
