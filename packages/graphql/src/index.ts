export * from "./context.ts";
export * from "./errors.ts";
export * from "./limits.ts";
export * from "./meta-plugin.ts";
export * from "./resolvers.ts";
export * from "./type-defs.ts";
