import type { AnalyticsEngineQuery } from "./hot-queries.ts";

/** Where the SQL API lives: Cloudflare's in deployment, the local stand-in in development. */
export interface AnalyticsEngineSqlConfig {
  /** e.g. `https://api.cloudflare.com/client/v4` or `http://127.0.0.1:8787/client/v4`. */
  baseUrl: string;
  /** The Cloudflare account id (`local` for the stand-in). */
  accountId: string;
  /** An API token with Account Analytics Read (the admin key for the stand-in). */
  apiToken: string;
}

/** A column of a `FORMAT JSON` answer. */
export interface AnalyticsEngineColumnMeta {
  name: string;
  type: string;
}

/** A `FORMAT JSON` answer. */
export interface AnalyticsEngineJsonResult<Row> {
  meta: AnalyticsEngineColumnMeta[];
  data: Row[];
  rows: number;
  rows_before_limit_at_least?: number;
}

/** A failed SQL API call, with the answer's status and text. */
export class AnalyticsEngineQueryError extends Error {
  override readonly name = "AnalyticsEngineQueryError";
  constructor(
    readonly query: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Analytics Engine SQL query "${query}" failed with ${status}: ${body.slice(0, 500)}`);
  }
}

/**
 * Whether an error answer says the dataset's table does not exist: Analytics Engine creates a
 * dataset on its first data point, so until then there is no table to read and every question's
 * answer is empty. Treated as an error, it made each realtime field of a new deployment (and of
 * every fresh local stack) an "Unexpected error." (found by tests/fuzz.test.ts).
 * @example isMissingDatasetAnswer(422, "Table analytics_events does not exist: ...") // true
 */
export function isMissingDatasetAnswer(status: number, text: string): boolean {
  return (status === 400 || status === 404 || status === 422) && /\b(?:table|dataset)\b[^\n]{0,120}\b(?:does not|doesn't) exist|\bunknown (?:table|dataset)\b/i.test(text);
}

/**
 * The one client of Analytics Engine's SQL API: POSTs the SQL text, Bearer token, and parses the
 * `FORMAT JSON` answer. The stand-in and Cloudflare differ only in `baseUrl`, account and token.
 */
export class AnalyticsEngineSqlClient {
  constructor(
    private readonly config: AnalyticsEngineSqlConfig,
    private readonly fetcher: (request: Request) => Promise<Response> = (request) => fetch(request),
  ) {}

  /** The SQL API's URL for this account. */
  get endpoint(): string {
    return `${this.config.baseUrl.replace(/\/$/, "")}/accounts/${encodeURIComponent(this.config.accountId)}/analytics_engine/sql`;
  }

  /** Runs one query and returns its rows. */
  async query<Row = Record<string, unknown>>(query: AnalyticsEngineQuery): Promise<AnalyticsEngineJsonResult<Row>> {
    const response = await this.fetcher(
      new Request(this.endpoint, { method: "POST", headers: { authorization: `Bearer ${this.config.apiToken}` }, body: query.sql }),
    );
    const text = await response.text();
    if (!response.ok && isMissingDatasetAnswer(response.status, text)) return { meta: [], data: [], rows: 0 };
    if (!response.ok) throw new AnalyticsEngineQueryError(query.name, response.status, text);
    return JSON.parse(text) as AnalyticsEngineJsonResult<Row>;
  }
}
