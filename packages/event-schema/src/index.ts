export * from "./events.ts";
export * from "./columns.ts";
export * from "./analytics-engine.ts";
