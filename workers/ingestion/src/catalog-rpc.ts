import type { AcceptedCount } from "@edge-analytics/lake";

/** The catalog Worker's RPC method ingestion calls: parity's accepted side. */
export interface CatalogParity {
  recordAcceptedCounts(project: string, counts: AcceptedCount[]): Promise<void>;
}

export function catalogParity(env: Pick<Env, "CATALOG">): CatalogParity {
  // `wrangler types` types a service binding as a plain Fetcher; its RPC methods are the catalog
  // Worker's entrypoint (workers/catalog/src/index.ts), restated here as the narrow interface used.
  return env.CATALOG as unknown as CatalogParity;
}
