// Types for dbt.mjs (plain ESM so it runs before anything is built), for TypeScript callers such
// as tests/dbt.test.ts.

/** The dbt project folder (dbt/, with its profiles.yml). */
export declare const dbtProjectDir: string;

/** The local S3 endpoint's key pair (environment, else workers/s3-local/.dev.vars, else its wrangler.jsonc). */
export declare function localS3Credentials(env?: NodeJS.ProcessEnv): { accessKeyId: string; secretAccessKey: string };

/** The operator key for the catalog (ADMIN_API_KEY from the environment or .dev.vars). */
export declare function adminKey(env?: NodeJS.ProcessEnv): string;

/** STACK_ORIGIN, else http://127.0.0.1:${STACK_PORT ?? 8787}. */
export declare function stackOrigin(env?: NodeJS.ProcessEnv): string;

/** The environment dbt runs with (project, profiles, target and DuckDB paths, lake endpoint and keys). */
export declare function dbtEnvironment(options?: { origin?: string; target?: string; targetPath?: string; env?: NodeJS.ProcessEnv }): NodeJS.ProcessEnv;

/** dbt's subcommand in an argument list. */
export declare function dbtSubcommand(args: readonly string[]): string | undefined;

/** What `POST /catalog/reconcile` answers. */
export interface ReconcileResult {
  registered: string[];
  removed: string[];
  unchanged: number;
}

/** Asks the catalog to register what dbt wrote (and forget what is gone). */
export declare function reconcileCatalog(origin: string, key?: string): Promise<ReconcileResult>;

/** A dbt run that could not start, or whose reconcile failed. */
export declare class DbtRunError extends Error {
  exitCode: number;
}

/** Options of {@link runDbt}. */
export interface RunDbtOptions {
  /** The local stack (its S3 endpoint and catalog); default STACK_ORIGIN or http://127.0.0.1:8787. */
  origin?: string;
  /** `local` (default) or `prod`. */
  target?: string;
  /** dbt's target folder (manifest, run results, the DuckDB file); default dbt/target. */
  targetPath?: string;
  /** Collect dbt's output instead of printing it. */
  capture?: boolean;
  /** Reconcile the catalog after run/build (default true). */
  reconcile?: boolean;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** Runs dbt from the venv; after run/build, reconciles the catalog. */
export declare function runDbt(args: readonly string[], options?: RunDbtOptions): Promise<{ exitCode: number; output: string; reconciled?: ReconcileResult }>;
