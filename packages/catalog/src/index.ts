export * from "./types.ts";
export * from "./rpc.ts";
