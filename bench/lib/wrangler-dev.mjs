// Starting and stopping local Workers for benchmarks: one `wrangler dev` process per Worker, each
// on a free port with its own fresh state folder, and temporary copies of wrangler configs with
// benchmark-only changes (e.g. a rate limit a benchmark would otherwise hit).
//
// Plain ESM on node: built-ins (plus scripts/wrangler-process.mjs and wrangler's own config
// reader), so `npm run bench` needs no build step.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort, spawnWranglerDev, wranglerCli } from "../../scripts/wrangler-process.mjs";
import { onCleanup } from "./cleanup.mjs";

// Part of this module's API since before scripts/wrangler-process.mjs existed.
export { freePort };

/** The repository root (this file lives in bench/lib/). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Reads a wrangler config (JSONC/JSON) as its raw object with wrangler's own parser
 * (`experimental_readRawConfig`), so comments, trailing commas and `//` inside strings are
 * handled exactly as wrangler handles them.
 * @param {string} configPath absolute path
 * @returns {Promise<Record<string, any>>}
 */
export async function readRawWranglerConfig(configPath) {
  const wrangler = await import(pathToFileURL(wranglerCli).href);
  const read = wrangler.experimental_readRawConfig ?? wrangler.default?.experimental_readRawConfig;
  if (typeof read !== "function") {
    throw new Error("this wrangler no longer exports experimental_readRawConfig: bench/lib/wrangler-dev.mjs needs another JSONC reader");
  }
  return read({ config: configPath }).rawConfig;
}

/**
 * Writes a temporary copy of a wrangler config, changed by `patch`, NEXT TO the original (paths
 * in a config such as `main` are relative to it), named `.bench-wrangler-<pid>-<label>.jsonc`
 * (gitignored). Deleted by the returned `remove()` and, as a fallback, at process exit.
 * @param {string} configPath path of the original, relative to the repository root or absolute
 * @param {(raw: Record<string, any>) => void} patch changes the parsed config in place
 * @param {string} label short name for the file
 * @returns {Promise<{ path: string, remove: () => void }>}
 */
export async function writeTemporaryConfig(configPath, patch, label) {
  const original = resolve(repoRoot, configPath);
  const raw = await readRawWranglerConfig(original);
  patch(raw);
  const path = join(dirname(original), `.bench-wrangler-${process.pid}-${label}.jsonc`);
  const header = `// Temporary copy of ${basename(original)} written by bench/ (deleted after the run; gitignored).\n`;
  writeFileSync(path, `${header}${JSON.stringify(raw, null, 2)}\n`);
  const remove = () => rmSync(path, { force: true });
  onCleanup(remove, remove);
  return { path, remove };
}

/** Keeps wrangler's last output lines for error messages; echoes warnings worth seeing. */
function outputCollector(name, echo) {
  const lines = [];
  let partial = "";
  let skippingCfWarning = false;
  let stopping = false;
  let suppressed = 0;
  let firstSuppressed = "";
  const push = (chunk) => {
    const parts = (partial + chunk.toString("utf8")).split(/\r?\n/);
    partial = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      if (!echo || !line.trim()) continue;
      // Once we stop it, what wrangler prints is shutdown noise (sometimes a Go stack dump of its
      // esbuild watcher, "all goroutines are asleep"): kept in output(), summarised by stop().
      if (stopping) {
        suppressed++;
        firstSuppressed ||= line.trim();
        continue;
      }
      // Offline, miniflare warns that it could not fetch Request.cf (harmless), with a stack.
      if (/Unable to fetch the `?Request\.cf`? object/.test(line)) {
        skippingCfWarning = true;
        continue;
      }
      if (skippingCfWarning && /^\s*(Error: getaddrinfo|at |\[cause\]|errno|code|syscall|hostname|})/.test(line)) continue;
      skippingCfWarning = false;
      echo(`[${name}] ${line}`);
    }
  };
  return {
    push,
    text: () => [...lines, partial].join("\n").trim(),
    /** Stops echoing; returns a function that summarises what was not echoed since. */
    quiet: () => {
      stopping = true;
      return () => (suppressed > 0 && echo ? echo(`[${name}] ${suppressed} line(s) of shutdown output not shown, first: ${firstSuppressed.slice(0, 160)}`) : undefined);
    },
  };
}

/** CPU seconds (user + system) used so far by a process and all its descendants (Linux /proc). */
export function processTreeCpuSeconds(pid) {
  const ticksPerSecond = 100; // USER_HZ on Linux
  let total = 0;
  const visit = (p) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(fields[11]) + Number(fields[12])) / ticksPerSecond; // utime, stime
      for (const task of readdirSync(`/proc/${p}/task`)) {
        const children = readFileSync(`/proc/${p}/task/${task}/children`, "utf8").trim();
        for (const child of children ? children.split(" ") : []) visit(Number(child));
      }
    } catch {
      // the process ended, or /proc is not available (not Linux): count what we could read
    }
  };
  visit(pid);
  return total;
}

/**
 * Starts `wrangler dev` for one config on a free port of 127.0.0.1, with a fresh temporary state
 * folder (`--persist-to`), `--log-level warn` (the per-request log line costs ~25% of local
 * throughput) and a private dev registry (a bench Worker never binds to, or is bound
 * by, a stack running on the same machine). Resolves once `GET <readyPath>` answers 200.
 *
 * @param {{ name: string, config: string | string[], readyPath?: string, log?: (line: string) => void, startTimeoutMs?: number, inspector?: boolean }} options
 *   `config` (one or several, run in one process) is relative to the repository root or absolute; `inspector`: also open the DevTools
 *   protocol on a free port (`inspectorOrigin`), e.g. for a CPU profile (bench/lib/cpu-profile.mjs).
 * @returns {Promise<{ name: string, origin: string, inspectorOrigin?: string, pid: number, startSeconds: number, cpuSeconds: () => number, stop: () => Promise<void>, output: () => string }>}
 */
export async function startWranglerDev({ name, config, readyPath = "/", log = () => {}, startTimeoutMs = 120_000, inspector = false }) {
  // Several configs run in one process (the first gets the port), e.g. a bench Worker + the catalog.
  const configs = Array.isArray(config) ? config : [config];
  if (!existsSync(wranglerCli)) throw new Error("wrangler is not installed (node_modules/wrangler): run `npm run setup`");
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const stateDir = mkdtempSync(join(tmpdir(), `bench-${name}-state-`));
  const registryDir = mkdtempSync(join(tmpdir(), `bench-${name}-registry-`));
  const args = [
    ...configs.flatMap((c) => ["-c", resolve(repoRoot, c)]),
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    stateDir,
    "--log-level",
    "warn",
    "--show-interactive-dev-session=false",
  ];
  const inspectorPort = inspector ? await freePort() : undefined;
  if (inspectorPort) args.push("--inspector-port", String(inspectorPort));
  const output = outputCollector(name, log);
  // Own process group, so stop() can end wrangler AND its workerd without touching anything else.
  const child = spawnWranglerDev({ args, registryDir });
  child.stdout.on("data", output.push);
  child.stderr.on("data", output.push);
  let exitInfo;
  const exited = new Promise((done) => {
    child.on("exit", (code, signal) => done((exitInfo = signal ? `signal ${signal}` : `code ${code}`)));
    child.on("error", (error) => done((exitInfo = `spawn error: ${error.message}`)));
  });

  const signalGroup = (signal) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is empty: everything has stopped
    }
  };
  let stopping;
  let stopped = false;
  const stop = () => {
    stopping ??= (async () => {
      const summariseShutdownOutput = output.quiet();
      if (exitInfo === undefined) {
        child.kill("SIGINT");
        const ended = await Promise.race([exited.then(() => true), sleep(8_000).then(() => false)]);
        if (!ended) {
          signalGroup("SIGTERM");
          if (!(await Promise.race([exited.then(() => true), sleep(4_000).then(() => false)]))) signalGroup("SIGKILL");
          await exited;
        }
      }
      // workerd runs in the same process group: make sure none of it outlives wrangler.
      signalGroup("SIGTERM");
      await sleep(200);
      signalGroup("SIGKILL");
      rmSync(stateDir, { recursive: true, force: true });
      rmSync(registryDir, { recursive: true, force: true });
      stopped = true;
      summariseShutdownOutput();
    })();
    return stopping;
  };
  onCleanup(stop, () => {
    // Synchronous last resort at process exit: no waiting possible.
    if (stopped) return;
    signalGroup("SIGKILL");
    rmSync(stateDir, { recursive: true, force: true });
    rmSync(registryDir, { recursive: true, force: true });
  });

  const started = Date.now();
  let last = "no answer yet";
  for (;;) {
    if (exitInfo !== undefined) {
      await stop();
      throw new Error(`wrangler dev for ${name} exited (${exitInfo}) before it was ready.\n--- wrangler output ---\n${output.text()}`);
    }
    if (Date.now() - started > startTimeoutMs) {
      await stop();
      throw new Error(`${name}: GET ${origin}${readyPath} did not answer 200 within ${startTimeoutMs / 1000} s (last: ${last}).\n--- wrangler output ---\n${output.text()}`);
    }
    try {
      const response = await fetch(`${origin}${readyPath}`, { signal: AbortSignal.timeout(5_000) });
      const body = await response.text();
      if (response.status === 200) break;
      last = `${response.status} ${body.slice(0, 300)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(250);
  }
  return {
    name,
    origin,
    ...(inspectorPort ? { inspectorOrigin: `http://127.0.0.1:${inspectorPort}` } : {}),
    pid: /** @type {number} */ (child.pid),
    startSeconds: (Date.now() - started) / 1000,
    cpuSeconds: () => processTreeCpuSeconds(/** @type {number} */ (child.pid)),
    stop,
    output: output.text,
  };
}
