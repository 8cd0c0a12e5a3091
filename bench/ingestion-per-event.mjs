// Micro benchmark (on demand: `npm run bench -- ingestion-per-event`; no Worker, no network): the
// CPU each event costs in the ingestion Worker's own per-event stages, run in Node (the same V8 as
// workerd) over the benchmark's realistic mixed batches (bench/lib/events.mjs), next to the
// JSON.parse of the same events as the same-run baseline.
//
// Why: the load test (docs/reliability.md) targets 20,000 events/s on this machine, where every
// Worker of the local stack shares one workerd thread: 50 µs of CPU per event for everything. This
// shows how much of that the Worker's own code spends before any binding is called.
import { toAnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import { clientFactsFromUserAgent, enrichEvent } from "../packages/ingest/src/enrich-event.ts";
import { DEFAULT_LIMITS } from "../packages/ingest/src/limits.ts";
import { validateEvent } from "../packages/ingest/src/validate-event.ts";
import { batchBodies, REQUEST_HEADERS } from "./lib/events.mjs";
import { fixed, table } from "./lib/stats.mjs";

/** CPU per event that 20,000 events/s on one thread allows, for every stage and Worker together. */
export const BUDGET_US_PER_EVENT = 1_000_000 / 20_000;
const BATCHES = 200;
const ROUNDS = 5;

/** Mean CPU µs per event of `fn` over `events` events (after warm-up rounds). */
function microsPerEvent(events, fn) {
  for (let i = 0; i < 3; i++) fn();
  const start = process.cpuUsage();
  for (let i = 0; i < ROUNDS; i++) fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / ROUNDS / events;
}

/** @type {import("./run.mjs").Bench} */
export default {
  name: "ingestion-per-event",
  title: "CPU per event of the ingestion Worker's own stages (Node, same V8 as workerd)",
  defaultEnabled: false,
  async run(ctx) {
    const bodies = batchBodies();
    const texts = Array.from({ length: BATCHES }, () => bodies.next().text);
    const count = BATCHES * bodies.batchSize;
    ctx.log(`${count.toLocaleString("en-US")} events in ${BATCHES} mixed batches of ${bodies.batchSize}, ${ROUNDS} rounds per stage`);
    let parsed = [];
    const parse = microsPerEvent(count, () => {
      parsed = texts.flatMap((text) => JSON.parse(text).events);
    });
    let validated = [];
    const validate = microsPerEvent(count, () => {
      validated = parsed.map((event) => validateEvent(event, DEFAULT_LIMITS));
    });
    const valid = validated.flatMap((result) => (result.ok ? [result.event] : []));
    if (valid.length !== count) throw new Error(`${count - valid.length} benchmark events were rejected: the generator and the schemas disagree`);
    const userAgent = REQUEST_HEADERS["user-agent"];
    const client = clientFactsFromUserAgent(userAgent);
    const context = { keyProjectId: "local", userAgent, receivedAt: new Date() };
    let records = [];
    const enrich = microsPerEvent(count, () => {
      records = valid.map((event) => enrichEvent(event, "local", context, client));
    });
    const aeMap = microsPerEvent(count, () => records.map(toAnalyticsEngineDataPoint));
    // What crossing to the stand-ins costs at least: the records serialised once (RPC clones them).
    const serialise = microsPerEvent(count, () => JSON.stringify(records));
    const stages = [
      ["JSON.parse of the body (baseline)", parse],
      ["validate (zod, limits, unknown fields)", validate],
      ["enrich (ids, time, client facts)", enrich],
      ["map to Analytics Engine data points", aeMap],
      ["serialise the records once (RPC's floor)", serialise],
    ];
    const total = stages.reduce((sum, [, us]) => sum + us, 0);
    const lines = [
      table(
        ["stage", "CPU µs/event", "share of the 50 µs budget"],
        [...stages.map(([label, us]) => [label, fixed(us, 2), `${fixed((us / BUDGET_US_PER_EVENT) * 100, 0)}%`]), ["total", fixed(total, 2), `${fixed((total / BUDGET_US_PER_EVENT) * 100, 0)}%`]],
      ),
      "",
      `budget: ${BUDGET_US_PER_EVENT} µs of CPU per event = 20,000 events/s on one thread, for the Worker, the stand-ins and the API together (docs/reliability.md)`,
    ];
    return {
      name: this.name,
      title: this.title,
      lines,
      valid: true,
      problems: [],
      headline: {
        figure: `${fixed(total, 1)} µs/event (validate ${fixed(validate, 1)}, enrich ${fixed(enrich, 1)})`,
        baseline: `JSON.parse ${fixed(parse, 1)} µs/event`,
        ratio: total / parse,
        target: `whole path <= ${BUDGET_US_PER_EVENT} µs`,
        // A part of the path against the whole path's budget: information, not a verdict.
        status: "INFO",
        context: "the Worker's own stages only: the stand-ins' Durable Object writes and the cross-Worker calls come on top",
      },
    };
  },
};
