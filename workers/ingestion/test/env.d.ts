// Bindings that exist only in the test pool (vitest.config.ts), not in wrangler.jsonc.
declare namespace Cloudflare {
  interface Env {
    /** The auxiliary producer Worker that calls ingestion through a service binding. */
    PRODUCER: Fetcher;
    /** The Pipelines stand-in's default entrypoint (workers/pipelines-local): what the streams hold. */
    PIPELINES_LOCAL: Fetcher & {
      bufferedRecords(stream: string, limit?: number): Promise<Record<string, unknown>[]>;
      flush(): Promise<{ files: { table: string; key: string; rows: number; bytes: number }[] }>;
    };
    /** The Analytics Engine stand-in's default entrypoint (workers/analytics-engine-local): the recorded points. */
    AE_LOCAL: Fetcher & { readDataPoints(limit?: number): Promise<Record<string, string | number>[]> };
  }
}
