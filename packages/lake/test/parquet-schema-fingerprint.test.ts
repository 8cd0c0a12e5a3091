import { createHash } from "node:crypto";
import { EVENT_TYPES, lakeColumns } from "@edge-analytics/event-schema";
import { describe, expect, it } from "vitest";
import { schemaFingerprint, sha256Hex } from "../src/parquet/schema-fingerprint.ts";

const nodeSha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

describe("sha256Hex", () => {
  it("matches node:crypto for lengths around the 64-byte block and padding boundaries", () => {
    for (const length of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000]) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
      expect(sha256Hex(bytes), `length ${length}`).toBe(nodeSha256(bytes));
    }
  });
});

describe("schemaFingerprint", () => {
  it("is the first 16 hex digits of the SHA-256 of name:kind:nullable|required, joined by commas", () => {
    const columns = lakeColumns("custom");
    const text = columns.map((c) => `${c.name}:${c.kind}:${c.nullable ? "nullable" : "required"}`).join(",");
    expect(schemaFingerprint(columns)).toBe(nodeSha256(new TextEncoder().encode(text)).slice(0, 16));
  });

  it("is stable for a column list and differs between event types", () => {
    const fingerprints = EVENT_TYPES.map((type) => schemaFingerprint(lakeColumns(type)));
    expect(fingerprints).toEqual(EVENT_TYPES.map((type) => schemaFingerprint([...lakeColumns(type)])));
    expect(new Set(fingerprints).size).toBe(EVENT_TYPES.length);
    for (const fingerprint of fingerprints) expect(fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("changes when a column is added, retyped or becomes nullable", () => {
    const columns = lakeColumns("custom");
    const base = schemaFingerprint(columns);
    const last = columns.at(-1)!;
    expect(schemaFingerprint([...columns, { name: "added", kind: "string", nullable: true }])).not.toBe(base);
    expect(schemaFingerprint([...columns.slice(0, -1), { ...last, kind: "json" }])).not.toBe(base);
    expect(schemaFingerprint([...columns.slice(0, -1), { ...last, nullable: !last.nullable }])).not.toBe(base);
  });
});
