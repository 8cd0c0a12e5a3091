// Notices when the process that started this one has died, however it died (SIGKILL included):
// the kernel re-parents an orphan, so its parent pid changes. Used by the launcher chain of
// `npm start` (scripts/dev.mjs -> scripts/stack.mjs -> wrangler's watchdog): a launcher killed
// without a chance to clean up must not leave the rest of the chain serving the port.
//
// Plain ESM on node: built-ins only (scripts/dev.mjs imports it on the machine's own Node).

/**
 * Calls `onExit(parentPid)` once, within `intervalMs`, after this process's parent has gone. The
 * check is a timer that does not keep the process alive; the returned function cancels it.
 * @param {(parentPid: number) => void} onExit
 * @param {{ intervalMs?: number }} [options]
 * @returns {() => void}
 * @example whenParentExits(() => child.kill("SIGTERM"));
 */
export function whenParentExits(onExit, { intervalMs = 500 } = {}) {
  const parent = process.ppid;
  // Already an orphan (or started by init): nothing to watch.
  if (parent <= 1) return () => {};
  const timer = setInterval(function checkParent() {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onExit(parent);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
