/**
 * The dashboard's only way to the data: `POST /graphql` on the same origin with the key in
 * `X-API-Key`. One request may carry several aliased questions; each alias gets its own data or
 * error (a question over budget does not blank the rest), plus its `extensions.meta`.
 */

/** The freshness part of an answer's meta (README "Tiers and freshness"). */
export interface AnswerMeta {
  tiers?: Array<{ tier: string; from: string; to: string }>;
  freshness?: { mart_built_at: string | null; raw_through: string | null; realtime_through: string | null };
  cached?: boolean;
  duration_ms?: number;
  notes?: string[];
}

/** A refusal of the whole request: the key (401/403), the rate (429), or the server. */
export class RequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "RequestError";
  }
  /** The key is missing, unknown or may not query: ask for another. */
  get isKeyProblem(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

interface GraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string };
}

/** One document's answer: data by top-level field path, errors and meta by alias. */
export interface Answer {
  data: Record<string, unknown>;
  /** By the first two path segments (`analytics.pages`), or `request` for errors without a path. */
  errors: Map<string, string>;
  meta: Record<string, AnswerMeta>;
}

/**
 * Requests in flight at once. The API answers lake questions in one isolate whose DuckDB heap is
 * shared by concurrent requests (README "Limits"): a page of panels asking all at once runs it out
 * of memory sooner, and a blocking query stalls the others anyway.
 */
const MAX_IN_FLIGHT = 2;
let inFlight = 0;
const waiting: Array<() => void> = [];

async function takeTurn(): Promise<() => void> {
  if (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => waiting.push(resolve));
  inFlight += 1;
  return () => {
    inFlight -= 1;
    waiting.shift()?.();
  };
}

/** POSTs one document (at most {@link MAX_IN_FLIGHT} at once); rejects with {@link RequestError} when the request as a whole is refused. */
export async function graphql(key: string, query: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<Answer> {
  const done = await takeTurn();
  try {
    if (signal?.aborted) throw new DOMException("aborted", "AbortError");
    return await post(key, query, variables, signal);
  } finally {
    done();
  }
}

async function post(key: string, query: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<Answer> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": key },
      body: JSON.stringify({ query, variables }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new RequestError("The API could not be reached. Check your connection and try again.", 0);
  }
  const text = await response.text();
  let body: { data?: Record<string, unknown> | null; errors?: GraphQLError[]; extensions?: { meta?: Record<string, AnswerMeta> }; error?: { message?: string } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new RequestError(`The API answered ${response.status} without JSON.`, response.status);
  }
  if (!response.ok && !body.data) {
    const message = body.error?.message ?? body.errors?.[0]?.message ?? `The API answered ${response.status}.`;
    throw new RequestError(message, response.status);
  }
  const errors = new Map<string, string>();
  for (const error of body.errors ?? []) {
    const where = error.path && error.path.length > 0 ? error.path.slice(0, 2).join(".") : "request";
    if (!errors.has(where)) errors.set(where, error.message);
  }
  return { data: body.data ?? {}, errors, meta: body.extensions?.meta ?? {} };
}
