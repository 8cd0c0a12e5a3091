// Bindings that exist only in the test pool (vitest.config.ts), not in wrangler.jsonc.
declare namespace Cloudflare {
  interface Env {
    /** The auxiliary producer Worker that calls ingestion through a service binding. */
    PRODUCER: Fetcher;
  }
}
