import { webcrypto } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createUuidV7 } from "../src/uuid-v7.ts";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const cryptoBytes = (bytes: Uint8Array) => webcrypto.getRandomValues(bytes);

/** The Unix milliseconds in a UUIDv7's first 48 bits. */
const millis = (id: string) => parseInt(id.replace(/-/g, "").slice(0, 12), 16);

describe("createUuidV7", () => {
  it("makes version 7, variant 10 ids that carry the time", () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
    const id = createUuidV7(cryptoBytes, () => at)();
    expect(id).toMatch(UUID_V7);
    expect(millis(id)).toBe(at);
  });

  it("sorts in creation order, also within one millisecond and when the clock goes back", () => {
    const times = [1000, 1000, 1000, 999, 1001, 2000, 2000];
    let call = 0;
    const uuidV7 = createUuidV7(cryptoBytes, () => times[call++] ?? 3000);
    const ids = times.map(() => uuidV7());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it("borrows the next millisecond when the 12-bit counter runs out", () => {
    // All-ones random bytes seed the counter at its highest start (0x7ff).
    const uuidV7 = createUuidV7((bytes) => bytes.fill(0xff), () => 5000);
    const ids = Array.from({ length: 0x1000 - 0x7ff + 1 }, () => uuidV7());
    expect([...ids].sort()).toEqual(ids);
    expect(millis(ids.at(-2) ?? "")).toBe(5000);
    expect(ids.at(-2)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7fff-/);
    expect(millis(ids.at(-1) ?? "")).toBe(5001);
    expect(ids.at(-1)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7000-/);
  });

  it("uses the random bytes it is given for the rest", () => {
    const id = createUuidV7((bytes) => bytes.fill(0), () => 0)();
    expect(id).toBe("00000000-0000-7000-8000-000000000000");
  });

  it("is accepted by the event schema as event_id", async () => {
    const { eventInputSchema } = await import("@edge-analytics/event-schema");
    const event_id = createUuidV7(cryptoBytes, Date.now)();
    expect(eventInputSchema.safeParse({ type: "custom", name: "x", session_id: "s", event_id }).success).toBe(true);
  });
});
