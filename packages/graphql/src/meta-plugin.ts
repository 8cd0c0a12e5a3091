import type { Plugin } from "graphql-yoga";
import type { AnalyticsContext } from "./context.ts";

/**
 * Puts each answer's meta beside `data`, in `extensions.meta` keyed by response path: which tier
 * answered which part, what was read and skipped, how fresh, cached, how long.
 */
export function useAnswerMeta(): Plugin<AnalyticsContext> {
  return {
    onExecute() {
      return {
        onExecuteDone({ args, result, setResult }) {
          const meta = (args.contextValue as Partial<AnalyticsContext>).answerMeta;
          if (!meta || meta.size === 0 || !result || Symbol.asyncIterator in result) return;
          setResult({ ...result, extensions: { ...result.extensions, meta: Object.fromEntries(meta) } });
        },
      };
    },
  };
}
