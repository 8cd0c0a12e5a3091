export * from "./analytics-engine-client.ts";
export * from "./analytics-engine-literals.ts";
export * from "./hot-queries.ts";
export * from "./realtime-aggregate.ts";
