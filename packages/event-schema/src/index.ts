export * from "./events.ts";
export * from "./columns.ts";
export * from "./analytics-engine.ts";
export * from "./ingest-result.ts";
