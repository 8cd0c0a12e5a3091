// Types for workers.mjs (plain ESM so it runs before anything is built), for TypeScript callers
// such as the e2e tests.

/** One Worker of the repository: its wrangler name, config, folder, and whether it deploys and runs in the local stack. */
export interface WorkerSpec {
  name: string;
  config: string;
  dir: string;
  deploy: boolean;
  stack?: boolean;
  env?: string;
  sharesDevVars?: boolean;
}

/** Every Worker of the repository, the local router first. */
export declare const WORKERS: readonly WorkerSpec[];
/** Cloudflare's Worker size limit on the Workers Paid plan, gzipped. */
export declare const PAID_PLAN_GZIP_LIMIT_BYTES: number;
/** The configs of the local stack's one `wrangler dev` process, router first. */
export declare const STACK_CONFIGS: readonly string[];
/** The four Workers the stack's `GET /health` must report as ok. */
export declare const STACK_WORKERS: readonly string[];
/** Links the .dev.vars of each Worker that shares the stack's keys to the repository's; returns the links created. */
export declare function linkSharedDevVars(): string[];
