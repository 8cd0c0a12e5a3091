// Types for local-stack.mjs (plain ESM so it runs before anything is built), for TypeScript callers
// such as tests/global-setup.ts and the benchmarks.

/** The repository root; and a free port on 127.0.0.1 (both from wrangler-process.mjs). */
export { freePort, repoRoot } from "./wrangler-process.mjs";
/** The wrangler configs of the stack, router first (only the first config gets the HTTP port). */
export declare const STACK_CONFIGS: readonly string[];
/** The four Workers `GET /health` must report as ok. */
export declare const STACK_WORKERS: readonly string[];

/** Options of {@link startStack}. */
export interface StartStackOptions {
  /** Port on 127.0.0.1 (default 8787). */
  port?: number;
  /** Persisted state folder (default `.wrangler/state` at the repository root). */
  stateDir?: string;
  /** No progress lines and no wrangler output (it is still kept for error messages). */
  quiet?: boolean;
  /** Wrangler's local dev registry folder (`WRANGLER_REGISTRY_PATH`); default: wrangler's own. */
  registryDir?: string;
  /** A file that receives everything wrangler and the Workers print (appended), e.g. for tests that read the logs. */
  logFile?: string;
  /**
   * wrangler's `--log-level` (default `warn`: warnings and errors, the Workers' console.warn/error).
   * `info` adds one line per request and console.info; `log` also the Workers' console.log.
   */
  logLevel?: "debug" | "info" | "log" | "warn" | "error" | "none";
  /** How long to wait for `GET /health` to answer 200 (default 180 s). */
  startTimeoutMs?: number;
  /**
   * Stack configs run from another file (original path as in {@link STACK_CONFIGS} -> the copy's
   * path), e.g. a load test's copy of `wrangler.jsonc` with its rate limits raised. The copy must
   * sit beside the original (a config's paths are relative to its folder) and keep its Worker name.
   */
  replaceConfigs?: Readonly<Record<string, string>>;
  /** Progress output (default: `[stack] ...` lines on stdout unless quiet). */
  log?: (message: string) => void;
}

/** A running stack. */
export interface RunningStack {
  /** e.g. `http://127.0.0.1:8787`. */
  origin: string;
  port: number;
  /** Absolute path of the persisted state folder. */
  stateDir: string;
  /**
   * The id of wrangler's watchdog (scripts/wrangler-watchdog.mjs), the leader of the process group
   * that holds wrangler and workerd: `process.kill(-pid, ...)` signals all of them; its process
   * tree is the stack's (e.g. for memory readings).
   */
  pid: number | undefined;
  /** Stops wrangler and workerd and frees the state folder; safe to call more than once. */
  stop(): Promise<void>;
  /** Resolves with how wrangler exited (`code 0`, `signal SIGINT`, ...; the watchdog exits the same way). */
  exited: Promise<string>;
  /** The last lines wrangler printed. */
  output(): string;
}

/** Starts the local stack and resolves once `GET /health` answers 200. */
export declare function startStack(options?: StartStackOptions): Promise<RunningStack>;

/** Polls `GET <origin>/health` until 200; resolves with its body. */
export declare function waitForHealth(
  origin: string,
  options?: { timeoutMs?: number; exited?: Promise<string>; describeOutput?: () => string },
): Promise<unknown>;
