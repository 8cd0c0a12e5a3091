import { AnalyticsEngineSqlClient } from "@edge-analytics/sql";

/** The configuration the API Worker reads for Analytics Engine (wrangler-api.toml + secrets). */
export interface HotDataEnv {
  AE_SQL_BASE_URL: string;
  AE_ACCOUNT_ID?: string;
  AE_API_TOKEN?: string;
  /** Local development only: the service binding to the SQL API stand-in. */
  AE_SQL?: Fetcher;
}

/**
 * The one Analytics Engine SQL client, configured from the environment: Cloudflare's API in
 * production, the local stand-in (through its service binding) in development.
 */
export function hotDataClient(env: HotDataEnv): AnalyticsEngineSqlClient {
  if (!env.AE_ACCOUNT_ID || !env.AE_API_TOKEN) {
    throw new Error("AE_ACCOUNT_ID and AE_API_TOKEN must be set (wrangler secret put, or .dev.vars locally)");
  }
  const binding = env.AE_SQL;
  const fetcher = binding ? (request: Request) => binding.fetch(request) : (request: Request) => fetch(request);
  return new AnalyticsEngineSqlClient({ baseUrl: env.AE_SQL_BASE_URL, accountId: env.AE_ACCOUNT_ID, apiToken: env.AE_API_TOKEN }, fetcher);
}
