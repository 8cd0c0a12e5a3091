import { GraphQLError, Kind, type ValidationRule } from "graphql";
import type { Plugin } from "graphql-yoga";

/** What one document may ask: depth of selections, aliases, and lake-backed fields (each one a query). */
export const DOCUMENT_LIMITS = { depth: 8, aliases: 20, analyticsFields: 8 } as const;

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

/** Adds the document limits to validation. */
export function useDocumentLimits(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(limitsRule);
    },
  };
}
