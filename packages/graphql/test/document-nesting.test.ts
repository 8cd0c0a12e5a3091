import { describe, expect, it } from "vitest";
import { documentNesting } from "../src/limits.ts";
import { MAX_FILTER_NESTING, withoutNulls } from "../src/resolvers.ts";

describe("documentNesting", () => {
  it("counts the deepest of {, [ and ( nesting", () => {
    expect(documentNesting("{ a(x: [1, [2]]) { b } }")).toBe(4);
    expect(documentNesting(`{ ${"a { ".repeat(50)}${"}".repeat(50)} }`)).toBe(51);
    expect(documentNesting("")).toBe(0);
  });

  it("ignores brackets inside strings, block strings and comments", () => {
    expect(documentNesting('{ a(x: "{{{[[[(((\\" {") }')).toBe(2);
    expect(documentNesting('{ a(x: """ {{{ \\""" [[[ """) }')).toBe(2);
    expect(documentNesting("{ a # {{{{{{\n b }")).toBe(1);
  });

  it("is linear and safe on any input: unbalanced, unterminated, huge", () => {
    expect(documentNesting("}}}]]]{")).toBe(1);
    expect(documentNesting('{ "unterminated')).toBe(1);
    expect(documentNesting("[".repeat(1_000_000))).toBe(1_000_000);
  });
});

// Found by tests/fuzz.test.ts: a `filter: JSON` nested thousands deep overflowed the stack (an "Unexpected error.").
describe("withoutNulls (filters before the planner)", () => {
  it("drops nulls at every level", () => {
    expect(withoutNulls({ and: [{ country: { eq: "DE", neq: null } }, null], or: null })).toEqual({ and: [{ country: { eq: "DE" } }, null] });
  });

  it(`refuses a filter nested deeper than ${MAX_FILTER_NESTING} levels with a BAD_ARGUMENT naming the filter`, () => {
    const deep = JSON.parse(`${"[".repeat(5_000)}${"]".repeat(5_000)}`);
    expect(() => withoutNulls({ unique_users: deep })).toThrowError(expect.objectContaining({ name: "QueryError", code: "BAD_ARGUMENT", argument: "filter", message: `the filter nests more than ${MAX_FILTER_NESTING} levels deep` }));
    expect(() => withoutNulls(JSON.parse(`${'{"a":'.repeat(MAX_FILTER_NESTING)}1${"}".repeat(MAX_FILTER_NESTING)}`))).not.toThrow();
  });
});
