// Everything a benchmark starts or writes is registered here, so it is undone on normal exit,
// on an error, and on Ctrl-C / SIGTERM (scripts/dev.mjs forwards both to bench/run.mjs).

/** @type {{ run: () => unknown, sync?: () => void }[]} */
const tasks = [];
let installed = false;
let running;

/**
 * Registers an undo step: `run` (may be async) is awaited by `cleanupAll()` and on SIGINT/SIGTERM;
 * `sync` is the last resort when the process exits without them (it cannot wait for anything).
 * @param {() => unknown} run
 * @param {() => void} [sync]
 */
export function onCleanup(run, sync) {
  install();
  tasks.push(sync ? { run, sync } : { run });
}

/** Runs every registered step once, newest first. */
export function cleanupAll() {
  running ??= (async () => {
    while (tasks.length > 0) {
      const task = /** @type {{ run: () => unknown }} */ (tasks.pop());
      try {
        await task.run();
      } catch (error) {
        process.stderr.write(`[bench] cleanup step failed: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    }
  })().finally(() => {
    running = undefined;
  });
  return running;
}

function install() {
  if (installed) return;
  installed = true;
  for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
    process.on(signal, () => {
      process.stderr.write(`\n[bench] ${signal}: stopping the Workers and removing temporary files\n`);
      cleanupAll().finally(() => process.exit(130));
    });
  }
  process.on("exit", () => {
    for (const task of tasks.reverse()) {
      try {
        task.sync?.();
      } catch {
        // best effort at exit
      }
    }
  });
}
