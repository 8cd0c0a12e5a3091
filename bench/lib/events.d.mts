// Types of events.mjs for the TypeScript benchmarks (bench/lib/cost-model.ts).
export const REQUEST_HEADERS: Readonly<{ "user-agent": string }>;
export const MIXED_BATCH: Readonly<Record<string, number>>;
export function batchBodies(options?: {
  composition?: Record<string, number>;
  templates?: number;
  seed?: number;
  eventIds?: "random" | "time-ordered";
}): { next: () => { text: string; items: number }; batchSize: number; averageEventBytes: number; bodyBytes: number };
