/**
 * Cross-project isolation of every GraphQL question and every catalog endpoint, on the real stack.
 *
 * The questions are generated from the API Worker's schema (workers/api/src/graphql-schema.ts):
 * every field under `Query`, one question per value of a required enum argument (`events(type)`),
 * selecting every leaf. Two projects (`local`: `local-read-key` to query, `local-dev-key` to send;
 * `other`: `other-dev-key`, README "Keys") each send one event of every type on a day of their own,
 * with a unique marker in every free-text field. After each project's events land (flushed to the
 * lake; Analytics Engine for `realtime`), every question asked with its own key changes (so the
 * data is visible to its project through that field) while the other project's answers are
 * exactly what they were and never contain the marker. Naming `project_id` in any argument that
 * takes a field name (filters, groupBy, dimensions, orderBy) is refused with a GraphQL error.
 *
 * The catalog is the operator's: every endpoint it registers refuses every project key (403), so
 * no project reaches the catalog's cross-project figures.
 */
import { randomUUID } from "node:crypto";
import { EVENT_TYPES, type EventType } from "@edge-analytics/event-schema";
import { DESKTOP_CHROME_UA, makeEvent } from "@edge-analytics/test-support";
import type { GraphQLArgument, GraphQLEnumType, GraphQLField, GraphQLInputObjectType, GraphQLNamedType, GraphQLObjectType } from "graphql";
import { describe, expect, inject, it, vi } from "vitest";
import { schema } from "../workers/api/src/graphql-schema.ts";
import { flushLake } from "./support/lake-rows.ts";
import { registeredRoutes, ROUTED_WORKERS } from "./support/worker-routes.ts";

// The catalog Worker's modules, loaded in Node for its routes (see tests/support/worker-routes.ts).
vi.mock("cloudflare:workers", () => ({ DurableObject: class {}, WorkerEntrypoint: class {} }));

const origin = inject("stackOrigin");

/** A day no other test sends events for, so each project's answers there are its own. */
const DAY = "2023-08-14";
/** Another such day, where both projects' events share one sparse hour. */
const SPARSE_DAY = "2023-08-15";
const HOUR_MS = 3_600_000;

const PROJECTS = {
  a: { name: "local", send: "local-dev-key", query: "local-read-key", marker: `isoa${randomUUID().slice(0, 8)}` },
  b: { name: "other", send: "other-dev-key", query: "other-dev-key", marker: `isob${randomUUID().slice(0, 8)}` },
} as const;
type Side = keyof typeof PROJECTS;

/**
 * Values for arguments the schema cannot supply: required strings that name metrics or dimensions
 * (by `Type.field.argument`), and a groupBy so per-page answers carry the page's URL. A new field
 * with a required argument not listed here fails the test, naming it.
 */
const ARGUMENTS: Readonly<Record<string, unknown>> = {
  "Analytics.query.metrics": ["view_count"],
  "Analytics.query.dimensions": ["page_url"],
  "Analytics.top.dimension": "page_url",
  "Analytics.pageViews.groupBy": ["page_url"],
  "Analytics.sessions.groupBy": ["page_url"],
  // Other tests' recent events of the same project must not crowd the new ones out of the top N.
  "Realtime.topPages.limit": 1000,
  "Realtime.apiErrors.limit": 1000,
};
/** Required input objects by type name. */
const INPUTS: Readonly<Record<string, unknown>> = { TimeRange: { start: DAY, end: DAY } };

// graphql-yoga's copy of graphql-js is another module instance than this file's (vitest loads the
// CommonJS and ESM builds apart), so its types fail graphql-js's instanceof checks: the helpers
// below read types by their printed form ("[String!]!") and the schema's own lookups.
type AnyType = { toString(): string };
const isNonNull = (type: AnyType) => String(type).endsWith("!");
const isList = (type: AnyType) => String(type).startsWith("[");
function namedType(type: AnyType): GraphQLNamedType {
  const name = String(type).replace(/[[\]!]/g, "");
  const named = schema.getType(name);
  if (!named) throw new Error(`no type ${name} in the schema`);
  return named;
}
const isObject = (type: GraphQLNamedType): type is GraphQLObjectType => "getFields" in type && "getInterfaces" in type;
const isInputObject = (type: GraphQLNamedType): type is GraphQLInputObjectType => "getFields" in type && !("getInterfaces" in type);
const isEnum = (type: GraphQLNamedType): type is GraphQLEnumType => "getValues" in type;
const isLeaf = (type: GraphQLNamedType) => !("getFields" in type);

/** One question: a field under a `Query` field, with its arguments, asked alone. */
interface Question {
  label: string;
  parent: string;
  field: string;
  /** Lake questions count towards the document's limit of analytics fields. */
  analytics: boolean;
  args: { name: string; type: string; value: unknown }[];
  selection: string;
}

function leafSelection(type: AnyType, depth = 0): string {
  const named = namedType(type);
  if (!isObject(named) || depth > 2) return "";
  const parts = Object.values(named.getFields())
    .filter((field) => field.args.every((arg) => !isNonNull(arg.type) || arg.defaultValue !== undefined))
    .map((field) => {
      const inner = leafSelection(field.type, depth + 1);
      return isLeaf(namedType(field.type)) ? field.name : inner ? `${field.name} ${inner}` : "";
    })
    .filter(Boolean);
  return `{ ${parts.join(" ")} }`;
}

/** The argument sets of a field: one per value of a required enum argument, else one. */
function argumentSets(parent: string, field: GraphQLField<unknown, unknown>): Question["args"][] {
  let sets: Question["args"][] = [[]];
  for (const arg of field.args) {
    const key = `${parent}.${field.name}.${arg.name}`;
    const named = namedType(arg.type);
    let values: unknown[];
    if (key in ARGUMENTS) values = [ARGUMENTS[key]];
    else if (!isNonNull(arg.type) || arg.defaultValue !== undefined) continue;
    else if (isEnum(named)) values = named.getValues().map((value) => value.name);
    else if (isInputObject(named) && named.name in INPUTS) values = [INPUTS[named.name]];
    else throw new Error(`no value for the required argument ${key} (${String(arg.type)}): add one to ARGUMENTS`);
    sets = sets.flatMap((set) => values.map((value) => [...set, { name: arg.name, type: String(arg.type), value }]));
  }
  return sets;
}

/** Every question the schema allows: each field of each object under Query, per argument set. */
function schemaQuestions(): Question[] {
  const questions: Question[] = [];
  for (const top of Object.values(schema.getQueryType()?.getFields() ?? {})) {
    const parentType = namedType(top.type);
    if (!isObject(parentType)) throw new Error(`Query.${top.name} is not an object: ask it directly here`);
    for (const field of Object.values(parentType.getFields())) {
      for (const args of argumentSets(parentType.name, field)) {
        const enumPart = args.filter((arg) => typeof arg.value === "string" && !(`${parentType.name}.${field.name}.${arg.name}` in ARGUMENTS));
        questions.push({
          label: `${top.name}.${field.name}${enumPart.map((arg) => `(${arg.name}: ${String(arg.value)})`).join("")}`,
          parent: top.name,
          field: field.name,
          analytics: parentType.name === "Analytics",
          args,
          selection: leafSelection(field.type),
        });
      }
    }
  }
  return questions;
}

const QUESTIONS = schemaQuestions();
/** The document limits (packages/graphql: 8 analytics fields, 20 aliases): questions travel in groups. */
const PER_DOCUMENT = 8;

/** An answer's meta (`extensions.meta`, README "Tiers and freshness"): the parts that date anything. */
interface Meta {
  tiers?: { tier: string; from: string; to: string }[];
  freshness?: { mart_built_at: string | null; raw_through: string | null; realtime_through: string | null };
  notes?: string[];
  files_read?: number;
}

interface GraphQLAnswer {
  data?: Record<string, Record<string, unknown> | null> | null;
  errors?: { message: string; path?: (string | number)[] }[];
  extensions?: { meta?: Record<string, Meta> };
}

/** Asks a document; `statuses` are the HTTP answers allowed (GraphQL over HTTP answers 400 for variables that fail validation). */
async function graphql(key: string, query: string, variables: Record<string, unknown> = {}, statuses: readonly number[] = [200]): Promise<GraphQLAnswer> {
  const response = await fetch(`${origin}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": key },
    body: JSON.stringify({ query, variables }),
  });
  expect(statuses, await response.clone().text()).toContain(response.status);
  return (await response.json()) as GraphQLAnswer;
}

/** One document asking `questions`, each under its own alias, with its arguments as variables. */
function document(questions: readonly Question[]): { query: string; variables: Record<string, unknown> } {
  const declarations: string[] = [];
  const variables: Record<string, unknown> = {};
  const parts = questions.map((question, index) => {
    const args = question.args.map((arg, n) => {
      const variable = `v${index}_${n}`;
      declarations.push(`$${variable}: ${arg.type}`);
      variables[variable] = arg.value;
      return `${arg.name}: $${variable}`;
    });
    return `q${index}: ${question.parent} { ${question.field}${args.length ? `(${args.join(", ")})` : ""} ${question.selection} }`;
  });
  return { query: `query Isolation${declarations.length ? `(${declarations.join(", ")})` : ""} { ${parts.join(" ")} }`, variables };
}

/** Every answer's full text (extensions included), by key: another project's marker must not be anywhere in it. */
const fullAnswers = new Map<string, string[]>();
/** The meta of each question's answers (by path under its alias) in the last `answers` for a key, by label. */
const metas = new Map<string, Map<string, Record<string, Meta>>>();

/** The questions over `day` instead of DAY. */
const questionsOn = (day: string): Question[] =>
  QUESTIONS.map((question) => ({ ...question, args: question.args.map((arg) => (arg.value === INPUTS.TimeRange ? { ...arg, value: { start: day, end: day } } : arg)) }));

/** Each question's answer (its data and its errors' messages) for `key`, by label; their meta in `metas`. */
async function answers(key: string, questions: readonly Question[] = QUESTIONS): Promise<Map<string, string>> {
  const groups: Question[][] = [];
  const byLabel = new Map<string, Record<string, Meta>>();
  metas.set(key, byLabel);
  for (const question of questions) {
    const group = groups.at(-1);
    if (group && group.filter((q) => q.analytics).length < PER_DOCUMENT) group.push(question);
    else groups.push([question]);
  }
  const result = new Map<string, string>();
  await Promise.all(
    groups.map(async (group) => {
      const { query, variables } = document(group);
      const answer = await graphql(key, query, variables);
      fullAnswers.set(key, [...(fullAnswers.get(key) ?? []), JSON.stringify(answer)]);
      group.forEach((question, index) => {
        const own = Object.entries(answer.extensions?.meta ?? {}).filter(([path]) => path.startsWith(`q${index}.`));
        byLabel.set(question.label, Object.fromEntries(own.map(([path, meta]) => [path.slice(path.indexOf(".") + 1), meta])));
        const errors = (answer.errors ?? []).filter((error) => error.path?.[0] === `q${index}`).map((error) => error.message);
        result.set(question.label, JSON.stringify({ data: answer.data?.[`q${index}`] ?? null, errors }));
      });
    }),
  );
  return result;
}

/**
 * The instants a lake answer's meta gives that could date another project's events (the lake's
 * files hold every project's rows): tier bounds other than the realtime tier's end (this request's
 * clock) and the raw tier's freshness.
 */
function lakeInstants(meta: Meta): string[] {
  const bounds = (meta.tiers ?? []).flatMap((tier) => (tier.tier === "realtime" ? [tier.from] : [tier.from, tier.to]));
  return [...bounds, ...(meta.freshness?.raw_through ? [meta.freshness.raw_through] : [])];
}

/** What a key's answers say about when: tiers, freshness and notes, without the work done (files, bytes, time). */
function dated(key: string): Record<string, Record<string, Pick<Meta, "tiers" | "freshness" | "notes">>> {
  return Object.fromEntries(
    [...(metas.get(key) ?? [])].map(([label, byPath]) => [label, Object.fromEntries(Object.entries(byPath).map(([path, { tiers, freshness, notes }]) => [path, { tiers, freshness, notes }]))]),
  );
}

const filesRead = (key: string) => [...(metas.get(key)?.values() ?? [])].flatMap((byPath) => Object.values(byPath)).reduce((sum, meta) => sum + (meta.files_read ?? 0), 0);

/** One event of every type for a project, on DAY (type i at hour 1i), its marker in each free-text field. */
async function sendEvents(side: Side, timestamp: (i: number) => string = (i) => `${DAY}T1${i}:15:00.000Z`): Promise<void> {
  const { marker, send } = PROJECTS[side];
  const text: { [T in EventType]: Record<string, unknown> } = {
    page_view: { page_url: `https://${marker}.example/${marker}`, page_title: marker, referrer: `https://${marker}.example/ref` },
    video_event: { video_id: marker },
    user_action: { target: marker, value: marker },
    // A server error, so it shows in the error rates too.
    api_request: { path: `/${marker}`, organization_id: marker, status_code: 503 },
    usage: { organization_id: marker, sku: marker },
    custom: { name: marker },
  };
  const events = EVENT_TYPES.map((type, i) =>
    makeEvent(type, {
      timestamp: timestamp(i),
      session_id: `${marker}-session`,
      user_id: `${marker}-user`,
      properties: { marker },
      ...text[type],
    }),
  );
  const response = await fetch(`${origin}/events`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": send, "user-agent": DESKTOP_CHROME_UA },
    body: JSON.stringify({ events }),
  });
  const body = (await response.json()) as { accepted: number; rejected: unknown[] };
  expect(response.status, JSON.stringify(body)).toBe(202);
  expect(body.rejected).toEqual([]);
  expect(body.accepted).toBe(EVENT_TYPES.length);
  await flushLake(origin);
}

describe("GraphQL: a project never sees another's data, in any field", () => {
  it("asks every field of the schema", () => {
    // The design's fields are among them, and each event type has its own `events` question.
    const labels = QUESTIONS.map((question) => question.label);
    expect(labels).toEqual(expect.arrayContaining(["analytics.pageViews", "analytics.query", "realtime.topPages", ...EVENT_TYPES.map((type) => `analytics.events(type: ${type})`)]));
    const fields = new Set(QUESTIONS.map((question) => `${question.parent}.${question.field}`));
    const schemaFields = Object.values(schema.getQueryType()?.getFields() ?? {}).flatMap((top) => {
      const parent = namedType(top.type);
      return isObject(parent) ? Object.keys(parent.getFields()).map((name) => `${top.name}.${name}`) : [top.name];
    });
    expect([...fields].sort()).toEqual(schemaFields.sort());
  });

  it("each project's events change every answer of its own and none of the other's", { timeout: 120_000 }, async () => {
    const keys = { a: PROJECTS.a.query, b: PROJECTS.b.query };
    // On a fresh stack the Analytics Engine stand-in has no dataset until a first data point (its
    // SQL API answers 422, a realtime error); one event of another day makes the baselines real answers.
    const warmUp = await fetch(`${origin}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": PROJECTS.a.send },
      body: JSON.stringify(makeEvent("custom", { timestamp: "2023-08-01T00:00:00.000Z", name: "isolation-warm-up" })),
    });
    expect(warmUp.status).toBe(202);
    let before = { a: await answers(keys.a), b: await answers(keys.b) };
    for (const [sender, other] of [["a", "b"], ["b", "a"]] as const) {
      await sendEvents(sender);
      // The sender's project first: an answer cached without its project would then reach the other.
      const own = await answers(keys[sender]);
      const others = await answers(keys[other]);
      for (const question of QUESTIONS) {
        const label = question.label;
        expect(own.get(label), `${label} for ${PROJECTS[sender].name}: its own events must show`).not.toBe(before[sender].get(label));
        expect(JSON.parse(own.get(label) ?? "{}").errors, label).toEqual([]);
        expect(others.get(label), `${label} for ${PROJECTS[other].name} changed when ${PROJECTS[sender].name} sent events`).toBe(before[other].get(label));
        expect(others.get(label)).not.toContain(PROJECTS[sender].marker);
      }
      // Nor in the extensions: answer meta describes the files read, which hold every project's rows.
      expect((fullAnswers.get(keys[other]) ?? []).filter((text) => text.includes(PROJECTS[sender].marker))).toEqual([]);
      // Nor when they happened: the meta dates the lake to the hour at most (the sender's events are at :15).
      const instants = [...(metas.get(keys[other])?.values() ?? [])].flatMap((byPath) => Object.values(byPath).flatMap(lakeInstants));
      expect(instants.length).toBeGreaterThan(QUESTIONS.filter((question) => question.analytics).length);
      expect(instants.filter((instant) => Date.parse(instant) % HOUR_MS !== 0)).toEqual([]);
      // The marker itself shows in the answers that carry text (pages, events, names).
      expect([...own.values()].filter((answer) => answer.includes(PROJECTS[sender].marker)).length).toBeGreaterThan(EVENT_TYPES.length);
      before = { ...before, [sender]: own, [other]: others } as typeof before;
    }
  });

  it("another project's event in a sparse hour of a question's range leaves its answer meta as it was, but for the work done", { timeout: 120_000 }, async () => {
    const questions = questionsOn(SPARSE_DAY);
    const other = PROJECTS.b.query;
    // The other project's events at 10:05, one of each type, alone in their hour.
    await sendEvents("b", () => `${SPARSE_DAY}T10:05:00.000Z`);
    await flushLake(origin);
    await answers(other, questions);
    const before = { dated: dated(other), files: filesRead(other) };
    // This project's, in the same hour, at an instant the other must not learn.
    await sendEvents("a", () => `${SPARSE_DAY}T10:45:30.250Z`);
    await flushLake(origin);
    const texts = await answers(other, questions);
    // Its files are read for the other project's questions (they hold both projects' rows)...
    expect(filesRead(other)).toBeGreaterThan(before.files);
    // ... and nothing the meta says about when changed: tier spans, raw_through and notes are to the hour.
    expect(dated(other)).toEqual(before.dated);
    expect(JSON.stringify(dated(other))).toContain(`${SPARSE_DAY}T10:00:00.000Z`);
    expect([...texts.values(), ...(fullAnswers.get(other) ?? [])].filter((text) => text.includes("10:45:30"))).toEqual([]);
  });

  /** Arguments that name fields: where a caller could try to name `project_id`. */
  const projectArguments = QUESTIONS.flatMap((question) => {
    const top = schema.getQueryType()?.getFields()[question.parent];
    const parent = top ? namedType(top.type) : undefined;
    const field = parent && isObject(parent) ? parent.getFields()[question.field] : undefined;
    return (field?.args ?? [])
      .map((arg): [Question, GraphQLArgument, unknown] | undefined => {
        const named = namedType(arg.type).name;
        if (named === "JSON") return [question, arg, { project_id: { eq: PROJECTS.a.name } }];
        if (named.endsWith("Filter")) return [question, arg, { project_id: { eq: PROJECTS.a.name } }];
        if (named === "OrderBy") return [question, arg, [{ field: "project_id", direction: "ASC" }]];
        if (named === "String" && isList(arg.type)) return [question, arg, ["project_id"]];
        if (arg.name === "dimension") return [question, arg, "project_id"];
        return undefined;
      })
      .filter((entry) => entry !== undefined);
  });

  it("finds the arguments that could name a project", () => {
    expect(projectArguments.length).toBeGreaterThanOrEqual(10);
  });

  it.each(projectArguments.map(([question, arg, value]) => [question.label, arg.name, question, arg, value] as const))(
    "%s(%s: project_id) is refused",
    async (_label, _name, question, arg, value) => {
      const asked = { ...question, args: [...question.args.filter((a) => a.name !== arg.name), { name: arg.name, type: String(arg.type), value }] };
      const { query, variables } = document([asked]);
      const answer = await graphql(PROJECTS.b.query, query, variables, [200, 400]);
      expect(answer.errors?.length, JSON.stringify(answer)).toBeGreaterThan(0);
      expect(JSON.stringify(answer.errors)).toContain("project_id");
      expect(answer.data?.q0?.[question.field] ?? null).toBeNull();
      expect(JSON.stringify(answer)).not.toContain(PROJECTS.a.marker);
    },
  );
});

describe("GraphQL answers no page on another origin", () => {
  it("refuses the preflight and allows no origin on answers", async () => {
    const preflight = await fetch(`${origin}/graphql`, {
      method: "OPTIONS",
      headers: { origin: "https://elsewhere.example", "access-control-request-method": "POST", "access-control-request-headers": "x-api-key, content-type" },
    });
    expect(preflight.status).toBe(401);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const answer = await fetch(`${origin}/graphql`, {
      method: "POST",
      headers: { origin: "https://elsewhere.example", "content-type": "application/json", "x-api-key": PROJECTS.a.query },
      body: JSON.stringify({ query: "{ realtime(minutes: 5) { usage { sku } } }" }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
    expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("the catalog is the operator's: no project key reaches any of its endpoints", () => {
  const catalog = ROUTED_WORKERS.find((worker) => worker.name === "analytics-catalog");
  const projectKeys = ["local-pub-key", "local-read-key", "local-dev-key", "other-dev-key"];

  it("refuses every project key of both projects on every catalog route", async () => {
    if (!catalog) throw new Error("analytics-catalog is not a Worker of the stack");
    const routes = (await registeredRoutes(catalog)).filter((route) => route.path !== "/health");
    expect(routes.length).toBeGreaterThanOrEqual(7);
    for (const route of routes) {
      for (const key of projectKeys) {
        const response = await fetch(`${origin}${route.path}?table=page_views`, { method: route.method, headers: { "x-api-key": key } });
        const text = await response.text();
        expect(response.status, `${route.method} ${route.path} with ${key}: ${text}`).toBe(403);
        expect(text).toContain("needs the admin key");
      }
    }
  });
});
