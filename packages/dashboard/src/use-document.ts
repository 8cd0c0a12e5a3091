import { useEffect, useState } from "preact/hooks";
import { type Answer, type AnswerMeta, graphql, RequestError } from "./graphql.ts";

/** A document in flight, failed as a whole, or answered. */
export type Load = { status: "loading" } | { status: "error"; message: string; retry?: () => void } | { status: "ok"; answer: Answer; retry?: () => void };

/** One aliased question of a document. */
export type Part<T> =
  | { status: "loading" }
  | { status: "error"; message: string; retry?: () => void }
  | { status: "ok"; data: T; meta: AnswerMeta | undefined; comparisonMeta: AnswerMeta | undefined };

/**
 * Runs `query` whenever its variables change (the previous request is aborted), and again every
 * `refreshMs` when given, keeping the last answer on screen while it refreshes. A refused key
 * goes to `onKeyProblem`. A null query waits (stays loading) and sends nothing.
 */
export function useDocument(key: string, query: string | null, variables: Record<string, unknown>, onKeyProblem: (message: string) => void, refreshMs?: number): Load {
  const [load, setLoad] = useState<Load>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);
  const variablesJson = JSON.stringify(variables);
  useEffect(() => {
    let controller: AbortController | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    if (query === null) {
      setLoad({ status: "loading" });
      return;
    }
    const run = async (first: boolean) => {
      controller = new AbortController();
      if (first) setLoad({ status: "loading" });
      try {
        const answer = await graphql(key, query, JSON.parse(variablesJson) as Record<string, unknown>, controller.signal);
        if (!stopped) setLoad({ status: "ok", answer, retry: () => setAttempt((n) => n + 1) });
      } catch (error) {
        if (stopped) return;
        if (error instanceof RequestError && error.isKeyProblem) onKeyProblem(error.message);
        // A failed refresh keeps the last answer; a failed first load says why.
        else if (first) setLoad({ status: "error", message: error instanceof Error ? error.message : String(error), retry: () => setAttempt((n) => n + 1) });
      }
      if (!stopped && refreshMs) timer = setTimeout(() => void run(false), refreshMs);
    };
    void run(true);
    return () => {
      stopped = true;
      controller?.abort();
      clearTimeout(timer);
    };
  }, [key, query, variablesJson, refreshMs, attempt]);
  return load;
}

/** The part of a loaded document at `path` (`analytics.pages`), with its meta. */
export function partOf<T>(load: Load, path: string): Part<T> {
  if (load.status !== "ok") return load;
  const { answer } = load;
  const error = answer.errors.get(path) ?? answer.errors.get("request");
  if (error) return { status: "error", message: error, ...(load.retry ? { retry: load.retry } : {}) };
  let value: unknown = answer.data;
  for (const segment of path.split(".")) value = value && typeof value === "object" ? (value as Record<string, unknown>)[segment] : undefined;
  if (value === undefined || value === null) return { status: "error", message: "The API sent no answer for this panel." };
  return { status: "ok", data: value as T, meta: answer.meta[path], comparisonMeta: answer.meta[`${path}.comparison`] };
}
