import { GraphQLError, Kind, type ValidationRule } from "graphql";
import { createGraphQLError, type Plugin } from "graphql-yoga";

/**
 * What one document may ask: depth of selections, aliases, lake-backed fields (each one a query),
 * and how deep its brackets (`{`, `[`, `(`) nest in the text. The last is checked before parsing:
 * graphql-js parses recursively, and a document nested ~2,000 deep overflowed workerd's stack
 * (a 500 found by tests/fuzz.test.ts) before any validation rule could see it.
 */
export const DOCUMENT_LIMITS = { depth: 8, aliases: 20, analyticsFields: 8, nesting: 100 } as const;

/**
 * The deepest bracket nesting of a GraphQL document's text, outside strings, block strings and
 * comments: a linear scan, safe on any input.
 * @example documentNesting('{ a(x: [1, [2]]) { b } }') // 4
 */
export function documentNesting(source: string): number {
  let depth = 0;
  let deepest = 0;
  let index = 0;
  while (index < source.length) {
    const char = source[index];
    if (char === "#") {
      while (index < source.length && source[index] !== "\n" && source[index] !== "\r") index++;
    } else if (source.startsWith('"""', index)) {
      index += 3;
      while (index < source.length && !source.startsWith('"""', index)) index += source.startsWith('\\"""', index) ? 4 : 1;
      index += 2;
    } else if (char === '"') {
      index++;
      while (index < source.length && source[index] !== '"' && source[index] !== "\n") index += source[index] === "\\" ? 2 : 1;
    } else if (char === "{" || char === "[" || char === "(") {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (char === "}" || char === "]" || char === ")") {
      depth = Math.max(0, depth - 1);
    }
    index++;
  }
  return deepest;
}

/** Fields under `analytics` each run a query over the lake: the document's cost. */
const limitsRule: ValidationRule = (context) => {
  let aliases = 0;
  let analyticsFields = 0;
  return {
    Field: {
      // Depth counts the fields above this one in the document (fragments count where they are defined).
      enter(node, _key, _parent, _path, ancestors) {
        const depth = ancestors.filter((a) => typeof a === "object" && a !== null && "kind" in a && (a as { kind: string }).kind === Kind.FIELD).length + 1;
        if (depth > DOCUMENT_LIMITS.depth) context.reportError(new GraphQLError(`the document nests ${depth} fields deep; the limit is ${DOCUMENT_LIMITS.depth}`, { nodes: node }));
        if (node.alias && ++aliases === DOCUMENT_LIMITS.aliases + 1) context.reportError(new GraphQLError(`at most ${DOCUMENT_LIMITS.aliases} aliases per document`, { nodes: node }));
        const parentType = context.getParentType();
        if (parentType?.name === "Analytics" && ++analyticsFields === DOCUMENT_LIMITS.analyticsFields + 1) {
          context.reportError(new GraphQLError(`at most ${DOCUMENT_LIMITS.analyticsFields} analytics questions per document; send the rest in another request`, { nodes: node }));
        }
      },
    },
  };
};

/** Adds the document limits: bracket nesting before parsing, the others to validation. */
export function useDocumentLimits(): Plugin {
  return {
    onParse({ params }) {
      const source = typeof params.source === "string" ? params.source : params.source.body;
      const nesting = documentNesting(source);
      if (nesting > DOCUMENT_LIMITS.nesting) {
        throw createGraphQLError(`the document nests brackets ${nesting} deep; the limit is ${DOCUMENT_LIMITS.nesting}`, { extensions: { code: "GRAPHQL_PARSE_FAILED" } });
      }
    },
    onValidate({ addValidationRule }) {
      addValidationRule(limitsRule);
    },
  };
}
