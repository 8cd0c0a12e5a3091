import * as schema from "@edge-analytics/event-schema";
import { describe, expect, it } from "vitest";
import {
  FORBIDDEN_PROPERTY_KEYS,
  flatProperties,
  MAX_PROPERTIES,
  MAX_PROPERTY_KEY_LENGTH,
  MAX_PROPERTY_VALUE_LENGTH,
} from "../src/flat-properties.ts";

describe("flatProperties", () => {
  it("has the event schema's limits", () => {
    expect(MAX_PROPERTIES).toBe(schema.MAX_PROPERTIES);
    expect(MAX_PROPERTY_KEY_LENGTH).toBe(schema.MAX_PROPERTY_KEY_LENGTH);
    expect(MAX_PROPERTY_VALUE_LENGTH).toBe(schema.MAX_PROPERTY_VALUE_LENGTH);
    expect(new Set(FORBIDDEN_PROPERTY_KEYS)).toEqual(schema.FORBIDDEN_PROPERTY_KEYS);
  });

  it("keeps scalars and drops what the schema would reject", () => {
    const input = JSON.parse('{"plan":"pro","seats":5,"trial":false,"coupon":null,"nested":{"a":1},"list":[1],"__proto__":"x"}');
    expect(flatProperties({ ...input, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, fn: () => 1, undef: undefined, ["k".repeat(65)]: 1 })).toEqual({
      plan: "pro",
      seats: 5,
      trial: false,
      coupon: null,
    });
  });

  it("cuts long strings and keeps at most 50 keys", () => {
    const many = Object.fromEntries(Array.from({ length: 60 }, (_, index) => [`k${index}`, "v".repeat(2000)]));
    const flat = flatProperties(many) ?? {};
    expect(Object.keys(flat)).toHaveLength(50);
    expect(flat.k0).toHaveLength(1024);
    expect(schema.propertiesSchema.safeParse(flat).success).toBe(true);
  });

  it("is undefined when nothing is left", () => {
    expect(flatProperties(undefined)).toBeUndefined();
    expect(flatProperties("text")).toBeUndefined();
    expect(flatProperties({ nested: {} })).toBeUndefined();
  });
});
