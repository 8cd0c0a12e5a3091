import type { AnswerCache, AnswerMeta, LakeFileCatalog, RawLoader, ReadBudget, RealtimeSource, SqlRunner } from "@edge-analytics/query";

/** What the lake-backed fields need, built per request by the Worker. */
export interface AnalyticsBackend {
  catalog: LakeFileCatalog;
  loader: RawLoader;
  engine: SqlRunner;
  budget: ReadBudget;
  /** Identical questions over the same files are answered from here. */
  cache?: AnswerCache;
  /** Analytics Engine, for the minutes newer than every raw file (additive questions only). */
  realtime?: RealtimeSource;
}

/** The GraphQL context of the analytics fields: the caller's project (from its key) and the backend. */
export interface AnalyticsContext {
  projectId: string;
  analytics: AnalyticsBackend;
  /** Each answer's meta by its response path (`analytics.pageViews`), returned in `extensions.meta`. */
  answerMeta: Map<string, AnswerMeta>;
}
