import { GraphQLError, Kind, type SelectionSetNode, type ValidationContext, type ValidationRule } from "graphql";
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

/**
 * Introspection reads the schema, not data, but nests deeper than data questions: the standard
 * query (GraphiQL, codegen: graphql-js `getIntrospectionQuery`) follows `ofType` 9 levels below
 * `__schema { types { fields { type`. Its depth limit is higher; what bounds its cost is how many
 * lists it nests (types → fields → args is the standard query's 3), since each multiplies.
 */
export const INTROSPECTION_LIMITS = { depth: 16, lists: 3 } as const;
const INTROSPECTION_ROOTS = new Set(["__schema", "__type"]);
const INTROSPECTION_LISTS = new Set(["types", "fields", "inputFields", "args", "interfaces", "possibleTypes", "enumValues", "directives"]);

interface Nesting {
  depth: number;
  introspection: boolean;
  lists: number;
}

/**
 * The first nesting over the limits in an operation, walked with its fragments expanded where they
 * are spread (a fragment defined shallow but spread deep is as deep as its spread; a cycle of
 * spreads is another rule's error, so a fragment already on the path is not entered again).
 */
function nestingError(context: ValidationContext, selectionSet: SelectionSetNode, at: Nesting, path: Set<string>): GraphQLError | undefined {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      const introspection = at.introspection || INTROSPECTION_ROOTS.has(name);
      const next: Nesting = { depth: at.depth + 1, introspection, lists: at.lists + (introspection && INTROSPECTION_LISTS.has(name) ? 1 : 0) };
      const limit = introspection ? INTROSPECTION_LIMITS.depth : DOCUMENT_LIMITS.depth;
      if (next.depth > limit) return new GraphQLError(`the document nests ${next.depth} fields deep; the limit is ${limit}${introspection ? " for introspection" : ""}`, { nodes: selection });
      if (next.lists > INTROSPECTION_LIMITS.lists) return new GraphQLError(`introspection nests ${next.lists} lists (${name}); the limit is ${INTROSPECTION_LIMITS.lists}`, { nodes: selection });
      const error = selection.selectionSet && nestingError(context, selection.selectionSet, next, path);
      if (error) return error;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const error = nestingError(context, selection.selectionSet, at, path);
      if (error) return error;
    } else {
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      if (!fragment || path.has(name)) continue;
      const error = nestingError(context, fragment.selectionSet, at, new Set([...path, name]));
      if (error) return error;
    }
  }
  return undefined;
}

/** Fields under `analytics` each run a query over the lake: the document's cost. */
export const documentLimitsRule: ValidationRule = (context) => {
  let aliases = 0;
  let analyticsFields = 0;
  return {
    OperationDefinition: {
      enter(node) {
        const error = nestingError(context, node.selectionSet, { depth: 0, introspection: false, lists: 0 }, new Set());
        if (error) context.reportError(error);
      },
    },
    Field: {
      enter(node) {
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
      addValidationRule(documentLimitsRule);
    },
  };
}
