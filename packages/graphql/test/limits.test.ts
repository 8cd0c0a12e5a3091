import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { DOCUMENT_LIMITS, documentLimitsRule, INTROSPECTION_LIMITS } from "../src/limits.ts";

const schema = buildSchema(`
  type Node { name: String, child: Node }
  type Query { node: Node }
`);

const errorsOf = (document: string) => validate(schema, parse(document), [...specifiedRules, documentLimitsRule]).map((error) => error.message);
const nested = (levels: number) => `${"child { ".repeat(levels)}name${" }".repeat(levels)}`;

describe("document limits", () => {
  it("answers the standard introspection query (GraphiQL, codegen), with every option on", () => {
    const query = getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true });
    expect(errorsOf(query)).toEqual([]);
  });

  it("refuses introspection that nests lists to multiply its answer", () => {
    // graphql-js's own MaxIntrospectionDepthRule refuses it too; ours names the limit.
    expect(errorsOf("{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }")).toContain(
      `introspection nests 4 lists (fields); the limit is ${INTROSPECTION_LIMITS.lists}`,
    );
    expect(errorsOf("{ __schema { types { interfaces { possibleTypes { enumValues { name } } } } } }")).toContain(
      `introspection nests 4 lists (enumValues); the limit is ${INTROSPECTION_LIMITS.lists}`,
    );
  });

  it("counts depth where fragments are spread, not where they are defined", () => {
    expect(errorsOf(`{ node { ${nested(DOCUMENT_LIMITS.depth - 2)} } }`)).toEqual([]);
    const deep = `
      query { node { ...A } }
      fragment A on Node { child { child { child { ...B } } } }
      fragment B on Node { child { child { child { child { name } } } } }`;
    expect(errorsOf(deep)).toEqual([`the document nests 9 fields deep; the limit is ${DOCUMENT_LIMITS.depth}`]);
  });

  it("refuses a deep data question at the first field past the limit", () => {
    expect(errorsOf(`{ node { ${nested(DOCUMENT_LIMITS.depth)} } }`)).toEqual([`the document nests ${DOCUMENT_LIMITS.depth + 1} fields deep; the limit is ${DOCUMENT_LIMITS.depth}`]);
  });
});
