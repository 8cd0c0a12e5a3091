import { describe, expect, it } from "vitest";
import {
  ANALYTICS_ENGINE_LIMITS,
  ANALYTICS_ENGINE_MAP,
  analyticsEngineColumn,
  COMMON_BLOB_FIELDS,
  COMMON_DOUBLE_FIELDS,
  toAnalyticsEngineDataPoint,
  truncateUtf8,
} from "../src/analytics-engine.ts";
import { lakeColumns } from "../src/columns.ts";
import { EVENT_TYPES, type EventRecordOf, eventRecordSchemas } from "../src/events.ts";

const encoder = new TextEncoder();
const bytes = (value: string): number => encoder.encode(value).byteLength;

/** True when `value` has no lone surrogate, i.e. no character was cut in half. */
function isWellFormed(value: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
}

/**
 * A string of exactly `length` UTF-16 code units (zod's `.max()` unit) built from whole
 * characters of `alphabet`: 2-byte "é", 3-byte "€" and "中", 4-byte emoji (2 code units each).
 */
function fill(length: number, alphabet: readonly string[] = ["é", "€", "😀", "中"], prefix = ""): string {
  let out = prefix;
  let i = 0;
  while (out.length < length) {
    const char = alphabet[i++ % alphabet.length] ?? "x";
    out += out.length + char.length <= length ? char : "a";
  }
  return out;
}

const EVENT_ID = "01890f5e-3c4a-7b2d-9e8f-0123456789ab";

/** Long text: 3-byte characters and an emoji every eleventh (34 bytes per 12 UTF-16 units). */
const DENSE = ["中", "中", "€", "中", "中", "€", "中", "中", "€", "中", "😀"] as const;

/**
 * A page_view with every string at its schema maximum in multi-byte characters ("é", "€", "中",
 * emoji), so its blobs exceed 16 KB. `shift` ASCII characters at the start of the referrer move
 * where the cut falls, so some variants cut right before an emoji.
 */
function worstCasePageView(shift = 0): EventRecordOf<"page_view"> {
  return eventRecordSchemas.page_view.parse({
    type: "page_view",
    event_id: EVENT_ID,
    timestamp: "2026-03-01T12:00:00.000Z",
    received_at: "2026-03-01T12:00:01.000Z",
    project_id: `p${"x".repeat(63)}`,
    is_bot: false,
    session_id: fill(128, ["中"]),
    user_id: fill(128, ["é", "中", "中", "中"]),
    environment: fill(32, ["€"]),
    version: fill(32, ["中"]),
    country: "FR",
    browser: fill(64, ["中"]),
    os: fill(64, ["中"]),
    device_type: "desktop",
    page_url: fill(2048, DENSE, "https://example.com/"),
    page_title: fill(512, ["中", "中", "中", "é"]),
    referrer: fill(2048, DENSE, "a".repeat(shift)),
    utm_source: fill(256, ["中"]),
    utm_medium: fill(256, ["中", "中", "中", "😀"]),
    utm_campaign: fill(256, ["中"]),
    time_on_page: 12.5,
    properties: { plan: "pro" },
  });
}

describe("ANALYTICS_ENGINE_MAP", () => {
  it.each(EVENT_TYPES)("%s fits Analytics Engine's per-data-point limits", (type) => {
    const mapping = ANALYTICS_ENGINE_MAP[type];
    expect(mapping.eventType).toBe(type);
    expect(mapping.index1).toBe("project_id");
    expect(mapping.blobs.length).toBeLessThanOrEqual(ANALYTICS_ENGINE_LIMITS.maxBlobs);
    expect(mapping.doubles.length).toBeLessThanOrEqual(ANALYTICS_ENGINE_LIMITS.maxDoubles);
    expect(new Set(mapping.blobs).size, "a field mapped to two blobs").toBe(mapping.blobs.length);
    expect(new Set(mapping.doubles).size, "a field mapped to two doubles").toBe(mapping.doubles.length);
  });

  it.each(EVENT_TYPES)("%s starts with the shared slots, so cross-type queries read the same columns", (type) => {
    const mapping = ANALYTICS_ENGINE_MAP[type];
    expect(mapping.blobs.slice(0, COMMON_BLOB_FIELDS.length)).toEqual([...COMMON_BLOB_FIELDS]);
    expect(mapping.doubles.slice(0, COMMON_DOUBLE_FIELDS.length)).toEqual([...COMMON_DOUBLE_FIELDS]);
    expect(mapping.blobs[0]).toBe("type");
  });

  it.each(EVENT_TYPES)("%s maps every type-specific lake column to a slot of the right kind", (type) => {
    const mapping = ANALYTICS_ENGINE_MAP[type];
    for (const column of lakeColumns(type).filter((c) => c.origin === "type")) {
      const slots = column.kind === "string" || column.kind === "json" ? mapping.blobs : mapping.doubles;
      expect(slots, `${type}.${column.name} (${column.kind})`).toContain(column.name);
    }
  });

  it("stores properties in AE only for custom events", () => {
    expect(ANALYTICS_ENGINE_MAP.custom.blobs).toContain("properties");
    for (const type of EVENT_TYPES.filter((t) => t !== "custom")) {
      expect(ANALYTICS_ENGINE_MAP[type].blobs).not.toContain("properties");
    }
  });
});

describe("analyticsEngineColumn", () => {
  it("maps project_id to index1 for every type", () => {
    for (const type of EVENT_TYPES) expect(analyticsEngineColumn(type, "project_id")).toBe("index1");
  });

  it("maps shared fields to the same slot for every type", () => {
    for (const type of EVENT_TYPES) {
      expect(analyticsEngineColumn(type, "type")).toBe("blob1");
      expect(analyticsEngineColumn(type, "event_id")).toBe("blob2");
      expect(analyticsEngineColumn(type, "session_id")).toBe("blob3");
      expect(analyticsEngineColumn(type, "device_type")).toBe("blob10");
      expect(analyticsEngineColumn(type, "is_bot")).toBe("double1");
      expect(analyticsEngineColumn(type, "timestamp_ms")).toBe("double2");
    }
  });

  it("maps type-specific fields to 1-based slots after the shared ones", () => {
    expect(analyticsEngineColumn("page_view", "page_url")).toBe("blob11");
    expect(analyticsEngineColumn("page_view", "utm_campaign")).toBe("blob16");
    expect(analyticsEngineColumn("page_view", "time_on_page")).toBe("double3");
    expect(analyticsEngineColumn("api_request", "status_code")).toBe("double3");
    expect(analyticsEngineColumn("api_request", "duration_ms")).toBe("double4");
    expect(analyticsEngineColumn("video_event", "action")).toBe("blob12");
    expect(analyticsEngineColumn("custom", "name")).toBe("blob11");
    expect(analyticsEngineColumn("custom", "properties")).toBe("blob12");
  });

  it("agrees with the map for every field", () => {
    for (const type of EVENT_TYPES) {
      const { blobs, doubles } = ANALYTICS_ENGINE_MAP[type];
      blobs.forEach((field, i) => expect(analyticsEngineColumn(type, field)).toBe(`blob${i + 1}`));
      doubles.forEach((field, i) => expect(analyticsEngineColumn(type, field)).toBe(`double${i + 1}`));
    }
  });

  it("throws, naming the type and field, for a field that is not in AE", () => {
    expect(() => analyticsEngineColumn("page_view", "properties")).toThrow(/page_view.*properties/);
    expect(() => analyticsEngineColumn("page_view", "status_code")).toThrow(/no Analytics Engine column/);
    expect(() => analyticsEngineColumn("usage", "received_at")).toThrow(/usage/);
  });
});

describe("truncateUtf8", () => {
  it("returns strings within the limit unchanged", () => {
    expect(truncateUtf8("", 0)).toBe("");
    expect(truncateUtf8("abc", 3)).toBe("abc");
    expect(truncateUtf8("é", 2)).toBe("é");
  });

  it("cuts ASCII at exactly the byte limit", () => {
    expect(truncateUtf8("abcdef", 4)).toBe("abcd");
    expect(truncateUtf8("abc", 0)).toBe("");
  });

  it("never splits a multi-byte character: it stops before one that does not fit", () => {
    expect(truncateUtf8("aé", 2)).toBe("a"); // é is 2 bytes
    expect(truncateUtf8("a€", 3)).toBe("a"); // € is 3 bytes
    expect(truncateUtf8("a€", 4)).toBe("a€");
    expect(truncateUtf8("😀😀", 7)).toBe("😀"); // each emoji is 4 bytes and 2 UTF-16 code units
    expect(truncateUtf8("😀", 3)).toBe("");
    expect(truncateUtf8("x😀", 2)).toBe("x");
  });

  it("keeps combining sequences' code points whole and the result well-formed", () => {
    const flag = "🇫🇷🇫🇷"; // regional indicators: 4 bytes each
    const cut = truncateUtf8(flag, 10);
    expect(cut).toBe("🇫🇷");
    expect(isWellFormed(cut)).toBe(true);
  });

  it("returns the longest prefix within the limit for every limit", () => {
    const value = "aé€😀中b";
    for (let max = 0; max <= bytes(value) + 1; max++) {
      const cut = truncateUtf8(value, max);
      expect(value.startsWith(cut)).toBe(true);
      expect(isWellFormed(cut)).toBe(true);
      expect(bytes(cut)).toBeLessThanOrEqual(max);
      const next = [...value.slice(cut.length)][0];
      if (next !== undefined) expect(bytes(cut) + bytes(next), `limit ${max}: cut too much`).toBeGreaterThan(max);
    }
  });
});

describe("toAnalyticsEngineDataPoint", () => {
  it("writes blobs and doubles in map order, with the project as index", () => {
    const record = eventRecordSchemas.api_request.parse({
      type: "api_request",
      event_id: EVENT_ID,
      timestamp: "2026-03-01T12:00:00.250Z",
      received_at: "2026-03-01T12:00:01.000Z",
      project_id: "acme",
      is_bot: true,
      session_id: "s-1",
      method: "POST",
      path: "/v1/orders",
      status_code: 201,
      duration_ms: 12.5,
    });
    const point = toAnalyticsEngineDataPoint(record);
    expect(point.indexes).toEqual(["acme"]);
    expect(point.blobs).toHaveLength(ANALYTICS_ENGINE_MAP.api_request.blobs.length);
    expect(point.doubles).toHaveLength(ANALYTICS_ENGINE_MAP.api_request.doubles.length);
    const blob = (field: string) => point.blobs[Number(analyticsEngineColumn("api_request", field).slice(4)) - 1];
    const double = (field: string) => point.doubles[Number(analyticsEngineColumn("api_request", field).slice(6)) - 1];
    expect(blob("type")).toBe("api_request");
    expect(blob("event_id")).toBe(EVENT_ID);
    expect(blob("environment")).toBe("production");
    expect(blob("method")).toBe("POST");
    expect(blob("path")).toBe("/v1/orders");
    expect(double("status_code")).toBe(201);
    expect(double("duration_ms")).toBe(12.5);
    expect(double("timestamp_ms")).toBe(Date.parse("2026-03-01T12:00:00.250Z"));
  });

  it("encodes booleans as 1/0, absent numbers as 0 and absent strings as ''", () => {
    const base = {
      type: "video_event",
      event_id: EVENT_ID,
      timestamp: "2026-03-01T12:00:00.000Z",
      received_at: "2026-03-01T12:00:00.000Z",
      project_id: "acme",
      session_id: "s-1",
      video_id: "v-1",
      action: "play",
      position: 0,
    } as const;
    const bot = toAnalyticsEngineDataPoint(eventRecordSchemas.video_event.parse({ ...base, is_bot: true, duration: 90 }));
    const human = toAnalyticsEngineDataPoint(eventRecordSchemas.video_event.parse({ ...base, is_bot: false }));
    const slot = (field: string) => Number(analyticsEngineColumn("video_event", field).slice(6)) - 1;
    expect(bot.doubles[slot("is_bot")]).toBe(1);
    expect(human.doubles[slot("is_bot")]).toBe(0);
    expect(bot.doubles[slot("duration")]).toBe(90);
    expect(human.doubles[slot("duration")]).toBe(0);
    expect(human.doubles[slot("playback_rate")]).toBe(0);
    expect(human.doubles.every((d) => Number.isFinite(d))).toBe(true);
    const userIdSlot = Number(analyticsEngineColumn("video_event", "user_id").slice(4)) - 1;
    expect(human.blobs[userIdSlot]).toBe("");
  });

  it("stores a custom event's properties as JSON text", () => {
    const record = eventRecordSchemas.custom.parse({
      type: "custom",
      event_id: EVENT_ID,
      timestamp: "2026-03-01T12:00:00.000Z",
      received_at: "2026-03-01T12:00:00.000Z",
      project_id: "acme",
      is_bot: false,
      session_id: "s-1",
      name: "signup",
      properties: { plan: "pro", seats: 3, trial: true, coupon: null },
    });
    const point = toAnalyticsEngineDataPoint(record);
    const json: unknown = JSON.parse(point.blobs[11] ?? "");
    expect(json).toEqual({ plan: "pro", seats: 3, trial: true, coupon: null });
  });

  describe("worst-case page_view (every string at its maximum, multi-byte)", () => {
    const fields = ANALYTICS_ENGINE_MAP.page_view.blobs;
    // One variant per byte offset within DENSE's 34-byte cycle, so the cut lands everywhere.
    const variants = Array.from({ length: 34 }, (_, shift) => {
      const record = worstCasePageView(shift);
      const values = record as Record<string, unknown>;
      const original = fields.map((field) => {
        const value = values[field];
        return typeof value === "string" ? value : "";
      });
      return { shift, original, point: toAnalyticsEngineDataPoint(record), projectId: record.project_id };
    });

    it("really is over the limit before truncation", () => {
      for (const { original } of variants) {
        expect(original.reduce((sum, value) => sum + bytes(value), 0)).toBeGreaterThan(ANALYTICS_ENGINE_LIMITS.maxBlobBytes);
      }
    });

    it("keeps total blob bytes within 16 KB, cutting only what is needed", () => {
      for (const { shift, point } of variants) {
        const total = point.blobs.reduce((sum, blob) => sum + bytes(blob), 0);
        expect(total, `shift ${shift}`).toBeLessThanOrEqual(ANALYTICS_ENGINE_LIMITS.maxBlobBytes);
        // Less than one character (≤ 4 bytes) short of the limit: nothing is cut needlessly.
        expect(total, `shift ${shift}`).toBeGreaterThan(ANALYTICS_ENGINE_LIMITS.maxBlobBytes - 4);
      }
    });

    it("keeps the index (the project id) whole and within 96 bytes", () => {
      for (const { point, projectId } of variants) {
        expect(point.indexes).toEqual([projectId]);
        expect(bytes(point.indexes[0])).toBeLessThanOrEqual(ANALYTICS_ENGINE_LIMITS.maxIndexBytes);
      }
    });

    it("never splits a character: every blob is a well-formed prefix of its field", () => {
      for (const { shift, original, point } of variants) {
        fields.forEach((field, i) => {
          const blob = point.blobs[i] ?? "";
          expect(original[i]?.startsWith(blob), `${field}, shift ${shift}`).toBe(true);
          expect(isWellFormed(blob), `${field}, shift ${shift}`).toBe(true);
        });
      }
    });

    it("exercises cuts right before an emoji (the case a code-unit slice would split)", () => {
      const beforeEmoji = variants.filter(({ original, point }) =>
        fields.some((_, i) => {
          const blob = point.blobs[i] ?? "";
          return blob !== original[i] && original[i]?.codePointAt(blob.length) === "😀".codePointAt(0);
        }),
      );
      expect(beforeEmoji.length).toBeGreaterThan(0);
    });

    it("keeps ids and short fields intact and cuts only long text fields", () => {
      const intact = ["type", "event_id", "session_id", "user_id", "environment", "version", "country", "browser", "os", "device_type"];
      for (const { shift, original, point } of variants) {
        for (const field of intact) {
          const i = fields.indexOf(field);
          expect(point.blobs[i], `${field}, shift ${shift}`).toBe(original[i]);
        }
        expect(point.blobs[fields.indexOf("event_id")]).toBe(EVENT_ID);
        const cut = fields.filter((_, i) => point.blobs[i] !== original[i]);
        expect(cut.length).toBeGreaterThan(0);
        for (const field of cut) expect(["page_url", "page_title", "referrer"]).toContain(field);
      }
    });
  });

  it("cuts an over-long index to 96 bytes (project ids are validated to 64 ASCII characters upstream)", () => {
    const record: EventRecordOf<"custom"> = {
      type: "custom",
      event_id: EVENT_ID,
      timestamp: "2026-03-01T12:00:00.000Z",
      received_at: "2026-03-01T12:00:00.000Z",
      project_id: "é".repeat(100),
      is_bot: false,
      session_id: "s",
      environment: "production",
      name: "n",
    };
    const [index] = toAnalyticsEngineDataPoint(record).indexes;
    expect(index).toBe("é".repeat(48));
  });
});
