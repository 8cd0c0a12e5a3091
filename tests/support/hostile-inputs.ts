/**
 * Hostile inputs for the fuzzer (tests/fuzz.test.ts): fast-check arbitraries of JSON that
 * `JSON.stringify` cannot express (duplicate and `__proto__` keys, numbers past float range,
 * nesting thousands deep), strings that break parsers and escapers (SQL fragments, lone
 * surrogates, bidi and zero-width characters, huge lengths), and a hand-picked corpus.
 */
import { EVENT_TYPES, type EventType, inputFieldNames } from "@edge-analytics/event-schema";
import fc from "fast-check";

/** JSON text written verbatim: numbers like `1e999`, nesting 10,000 deep, truncated documents. */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object as its entries, so one can hold a key twice or an own `__proto__` key. */
export class Obj {
  constructor(readonly entries: [string, Json][]) {}
}

/** A JSON document as the fuzzer builds it. */
export type Json = null | boolean | number | string | Raw | Obj | Json[];

/**
 * The placeholder a generated document carries where the request's marker goes: each request
 * gets its own (`render(..., marker)`), so a lake row can be traced to the request that sent it.
 */
export const MARK = "@@MARK@@";

/** JSON text of `value`, with every {@link MARK} replaced by `marker`. */
export function render(value: Json, marker: string): string {
  const parts: string[] = [];
  const write = (node: Json): void => {
    if (node instanceof Raw) parts.push(node.text);
    else if (node instanceof Obj) {
      parts.push("{");
      node.entries.forEach(([key, child], index) => {
        if (index > 0) parts.push(",");
        parts.push(JSON.stringify(key), ":");
        write(child);
      });
      parts.push("}");
    } else if (Array.isArray(node)) {
      parts.push("[");
      node.forEach((child, index) => {
        if (index > 0) parts.push(",");
        write(child);
      });
      parts.push("]");
    } else parts.push(JSON.stringify(node) ?? "null");
  };
  write(value);
  return parts.join("").replaceAll(MARK, marker);
}

/** An {@link Obj} from a plain object (its own keys, in order). */
export function obj(fields: Record<string, Json>): Obj {
  return new Obj(Object.entries(fields));
}

/** Strings engineers keep around because each broke something once. */
export const NASTY_STRINGS: readonly string[] = [
  "",
  " ",
  "\u0000",
  "null",
  "undefined",
  "NaN",
  "-0",
  "true",
  "[]",
  "{}",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "'; DROP TABLE events; --",
  "') OR 1=1 --",
  "\" OR \"\"=\"",
  "1; SELECT * FROM sqlite_master",
  "' UNION SELECT name, sql FROM sqlite_master --",
  "page_url) FROM events; --",
  "count(*)",
  "read_parquet('s3://analytics-source/**')",
  "COPY (SELECT 1) TO '/tmp/x'",
  "ATTACH '/tmp/x.db' AS x",
  "${jndi:ldap://127.0.0.1/a}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "..%2f..%2fetc%2fpasswd",
  "%00",
  "%ZZ",
  "%",
  "\\",
  "\\u0000",
  "\r\nX-Injected: 1",
  "\ud800",
  "\udfff",
  "a\ud83dz",
  "\u202e\u0644\u0627 RTL \u202d",
  "\u200b\u200c\u200d\u2060\ufeff",
  "👩‍👩‍👧‍👦🏳️‍🌈",
  "Z̴̡̛͖a̷͓̒l̶̰̾g̵͇̈o̵̱̍",
  "\u{10ffff}\ufffe\uffff",
  "ﷺ",
  "İıßẞ",
  "e\u0301",
  "1e999",
  "-1e999",
  "9007199254740993",
  "2024-02-30T25:61:61Z",
  "9999-12-31T23:59:59-23:59",
  "0000-01-01T00:00:00Z",
  "year=2026/month=13/day=32/hour=25",
  "year=2026/month=01/day=01/hour=00/../../x",
  "http://",
  "javascript:alert(1)",
  "https://a.example/" + "a".repeat(3000),
];

/** SQL fragments appended to otherwise ordinary strings. */
const SQL_FRAGMENTS = ["'", "\"", "`", "'; DROP TABLE x; --", ") OR 1=1 --", "' OR '1'='1", "/*", "*/", "--", ";", "\\'", "$1", "?", ":name"];

/** Lone surrogates, bidi overrides, zero-width and combining characters. */
const UNICODE_EDGES = ["\ud800", "\udc00", "\u202e", "\u2066", "\u200b", "\ufeff", "\u0301", "\u0000", "\u001f", "\u007f", "\u0085", "\u2028", "\u2029", "🦄", "\u{1f1fa}\u{1f1f8}"];

/** Keys that alter prototypes, keys that look like operators, and the schema's own field names. */
export function hostileKey(): fc.Arbitrary<string> {
  const fieldNames = [...new Set(EVENT_TYPES.flatMap((type) => inputFieldNames(type)))];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom("__proto__", "constructor", "prototype", "__defineGetter__", "toString", "valueOf", "", " ", "$where", "a.b", "a[b]", "0", "-1") },
    { weight: 3, arbitrary: fc.constantFrom(...fieldNames) },
    { weight: 2, arbitrary: hostileString(64) },
    { weight: 1, arbitrary: fc.constantFrom("k".repeat(65), "k".repeat(10_000)) },
  );
}

/** Strings: nasty ones, SQL-bearing, unicode edges, arbitrary code points (lone surrogates included), some huge. */
export function hostileString(maxLength = 200): fc.Arbitrary<string> {
  const base = fc.string({ maxLength: Math.min(maxLength, 40) });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 3, arbitrary: fc.tuple(base, fc.constantFrom(...SQL_FRAGMENTS), base).map(([a, sql, b]) => `${a}${sql}${b}`) },
    { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...UNICODE_EDGES), base), { maxLength: 6 }).map((parts) => parts.join("")) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength }) },
    { weight: 1, arbitrary: fc.constantFrom(1025, 2049, 40_000).map((n) => "x".repeat(n)) },
  );
}

/** Numbers as JSON text, including ones no double holds exactly or at all. */
export function hostileNumber(): fc.Arbitrary<number | Raw> {
  return fc.oneof(
    fc.constantFrom(0, -0, 1, -1, 0.5, 99, 100, 599, 600, 86_400, 86_401, 2 ** 31, 2 ** 53, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE),
    fc.constantFrom("1e999", "-1e999", "1e-999", "123456789012345678901234567890", "9007199254740993", "-0.0", "1E+308", "0.1e1").map((text) => new Raw(text)),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
  );
}

/** JSON nested `depth` deep: arrays, objects, or both. */
export function deepNesting(): fc.Arbitrary<Raw> {
  return fc.tuple(fc.constantFrom(64, 1_000, 5_000, 50_000), fc.constantFrom("array", "object", "mixed")).map(([depth, shape]) => {
    if (shape === "array") return new Raw(`${"[".repeat(depth)}${"]".repeat(depth)}`);
    if (shape === "object") return new Raw(`${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`);
    return new Raw(`${'{"a":['.repeat(depth)}${"]}".repeat(depth)}`);
  });
}

/** Any JSON value, small trees of hostile keys and leaves, sometimes nested deep. */
export function hostileJson(): fc.Arbitrary<Json> {
  const { value } = fc.letrec<{ value: Json; leaf: Json }>((tie) => ({
    leaf: fc.oneof(
      { weight: 4, arbitrary: hostileString() },
      { weight: 2, arbitrary: hostileNumber() },
      { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false) },
    ),
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { weight: 6, arbitrary: tie("leaf") },
      { weight: 2, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
      { weight: 2, arbitrary: fc.array(fc.tuple(hostileKey(), tie("value")), { maxLength: 4 }).map((entries) => new Obj(entries)) },
      { weight: 1, arbitrary: deepNesting() },
    ),
  }));
  return value;
}

/** A valid event of each type: the fuzzer mutates these (fields named by the schema, hostile values). */
export function validEvent(type: EventType, marker: string): Record<string, Json> {
  const common = { type, session_id: marker, properties: obj({ fuzz_marker: marker }) };
  switch (type) {
    case "page_view":
      return { ...common, page_url: "https://fuzz.example/page" };
    case "video_event":
      return { ...common, video_id: "v1", action: "play", position: 0 };
    case "user_action":
      return { ...common, action: "click" };
    case "api_request":
      return { ...common, method: "GET", path: "/x", status_code: 200, duration_ms: 1 };
    case "usage":
      return { ...common, organization_id: "org", sku: "sku", quantity: 1, unit: "call" };
    case "custom":
      return { ...common, name: "fuzz" };
  }
}

/** One change to an event: set a field (schema or hostile name) to a hostile value, or drop one. */
type Mutation = { set: string; value: Json } | { drop: string };

/**
 * An event of some type, valid but for 0-3 mutations, carrying `${MARK}e${index}` in its
 * session_id and properties (unless a mutation replaced them).
 */
export function mutatedEvent(index: number, types: readonly EventType[] = EVENT_TYPES): fc.Arbitrary<Json> {
  return fc.constantFrom(...types).chain((type) => {
    const fieldNames = inputFieldNames(type);
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      { weight: 5, arbitrary: fc.record({ set: fc.constantFrom(...fieldNames), value: hostileJson() }) },
      { weight: 2, arbitrary: fc.record({ set: hostileKey(), value: hostileJson() }) },
      { weight: 1, arbitrary: fc.record({ drop: fc.constantFrom(...fieldNames) }) },
      { weight: 2, arbitrary: fc.record({ set: fc.constant("properties"), value: fc.array(fc.tuple(hostileKey(), hostileJson()), { maxLength: 5 }).map((entries) => new Obj([["fuzz_marker", `${MARK}e${index}`], ...entries])) }) },
    );
    return fc.array(mutation, { maxLength: 3 }).map((mutations) => {
      const entries = new Map<string, Json>(Object.entries(validEvent(type, `${MARK}e${index}`)));
      const extra: [string, Json][] = [];
      for (const change of mutations) {
        if ("drop" in change) entries.delete(change.drop);
        // __proto__ and other keys a Map cannot tell from a field are appended as own entries.
        else if (entries.has(change.set) || fieldNames.includes(change.set)) entries.set(change.set, change.value);
        else extra.push([change.set, change.value]);
      }
      return new Obj([...entries.entries(), ...extra]);
    });
  });
}

/** `{ events: [...] }` of 1-4 mutated events, or one mutated event, or any hostile JSON. */
export function hostileEventsBody(): fc.Arbitrary<Json> {
  return fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => mutatedEvent(i)))).map((events) => obj({ events })) },
    { weight: 2, arbitrary: mutatedEvent(0) },
    { weight: 1, arbitrary: fc.tuple(hostileKey(), hostileJson()).map(([key, events]) => new Obj([[key, events]])) },
    { weight: 1, arbitrary: hostileJson().map((events) => obj({ events })) },
    { weight: 1, arbitrary: hostileJson() },
  );
}

/** The event types packages/tracker sends. */
const TRACKER_EVENT_TYPES: readonly EventType[] = ["page_view", "user_action", "custom"];

/** The tracker's beacon body (`{"events":[...]}` of page_view, user_action and custom events), mutated. */
export function hostileBeaconBody(): fc.Arbitrary<Json> {
  return fc.integer({ min: 1, max: 3 }).chain((n) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => mutatedEvent(i, TRACKER_EVENT_TYPES))).map((events) => obj({ events })),
  );
}

const SEGMENT_CALLS = ["track", "page", "screen", "identify", "group", "alias"] as const;

/** A Segment message of `call`, valid but for hostile fields (context, traits, properties, ids). */
function segmentMessage(call: string, index: number): fc.Arbitrary<Json> {
  const marker = `${MARK}e${index}`;
  const base: Record<string, Json> = {
    type: call,
    anonymousId: marker,
    properties: obj({ fuzz_marker: marker, url: "https://fuzz.example/s" }),
    ...(call === "track" ? { event: "Fuzzed" } : {}),
    ...(call === "group" ? { groupId: "g1" } : {}),
    ...(call === "alias" ? { userId: marker, previousId: "p" } : {}),
  };
  const fields = ["type", "event", "userId", "anonymousId", "messageId", "timestamp", "context", "traits", "properties", "name", "groupId", "previousId", "channel", "writeKey", "integrations"];
  return fc.array(fc.tuple(fc.oneof(fc.constantFrom(...fields), hostileKey()), hostileJson()), { maxLength: 3 }).map((changes) => {
    const entries = new Map<string, Json>(Object.entries(base));
    const extra: [string, Json][] = [];
    for (const [key, value] of changes) {
      if (fields.includes(key)) entries.set(key, value);
      else extra.push([key, value]);
    }
    return new Obj([...entries.entries(), ...extra]);
  });
}

/** A body for `/v1/<call>`: one message, `{ batch: [...] }`, or any hostile JSON. */
export function hostileSegmentBody(call: string): fc.Arbitrary<Json> {
  const messageCall = fc.oneof(fc.constantFrom(...SEGMENT_CALLS), hostileString(20));
  if (call === "batch" || call === "b") {
    return fc.oneof(
      { weight: 5, arbitrary: fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => messageCall.chain((c) => segmentMessage(c, i))))).chain((batch) => fc.tuple(fc.constant(batch), hostileJson()).map(([messages, context]) => new Obj([["batch", messages], ["context", context]]))) },
      { weight: 1, arbitrary: hostileJson().map((batch) => obj({ batch })) },
      { weight: 1, arbitrary: hostileJson() },
    );
  }
  return fc.oneof({ weight: 5, arbitrary: segmentMessage(call, 0) }, { weight: 1, arbitrary: hostileJson() });
}

/**
 * The request body's bytes: the document as is, or broken at the byte level (invalid UTF-8,
 * truncated, a BOM, NUL bytes, UTF-16), or empty.
 */
export function byteMangling(): fc.Arbitrary<(text: string) => Uint8Array<ArrayBuffer> | string> {
  const encoder = new TextEncoder();
  return fc.oneof(
    { weight: 12, arbitrary: fc.constant((text: string) => text) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom([0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xfe, 0xff]), fc.nat()).map(([bad, at]) => (text: string) => {
        const bytes = encoder.encode(text);
        const cut = bytes.length === 0 ? 0 : at % bytes.length;
        return new Uint8Array([...bytes.slice(0, cut), ...bad, ...bytes.slice(cut)]);
      }),
    },
    { weight: 2, arbitrary: fc.nat().map((at) => (text: string) => text.slice(0, text.length === 0 ? 0 : at % text.length)) },
    { weight: 1, arbitrary: fc.constant((text: string) => `\ufeff${text}`) },
    { weight: 1, arbitrary: fc.constant((text: string) => `${text}\u0000`) },
    { weight: 1, arbitrary: fc.constant((text: string) => `${text}${text}`) },
    { weight: 1, arbitrary: fc.constant((text: string) => new Uint8Array([0xff, 0xfe, ...Array.from(text.slice(0, 2000)).flatMap((ch) => [ch.charCodeAt(0) & 0xff, ch.charCodeAt(0) >> 8])])) },
    { weight: 1, arbitrary: fc.constant(() => "") },
  );
}

/** Content types: the right one, its variants, and wrong ones. */
export function contentType(right: string): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant(right) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<string | undefined>(
        undefined,
        "",
        "application/json; charset=utf-8",
        "application/JSON",
        "application/vnd.api+json",
        "application/json; charset=utf-16",
        "text/plain",
        "text/plain;charset=UTF-8",
        "text/html",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "application/jsonx",
        "json",
        "*/*",
      ),
    },
  );
}

/** A header-safe (ByteString, no CR/LF) version of a string, as fetch requires. */
export function headerSafe(text: string): string {
  return Array.from(text, (ch) => (ch.charCodeAt(0) >= 0x20 && ch.charCodeAt(0) < 0x7f ? ch : "_")).join("").slice(0, 4000);
}

/** A query-string value: hostile text percent-encoded, or raw broken escapes. */
export function queryValue(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: hostileString(300).map((text) => encodeURIComponent(text.replace(/[\ud800-\udfff]/g, "\ufffd"))) },
    { weight: 1, arbitrary: fc.constantFrom("%", "%ZZ", "%E0%A4%A", "%ED%A0%80", "%00", "%FF%FE", "a&b=c", "%26", "+", "%2B", "") },
  );
}
