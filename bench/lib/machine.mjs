// What else runs on the machine: a benchmark on 2 cores is only as quiet as its neighbours, so
// each run reports the load and any workerd that is not its own (e.g. another engineer's tests).
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

function isOurs(pid) {
  for (let p = pid, hops = 0; p > 1 && hops < 64; p = parentOf(p), hops++) if (p === process.pid) return true;
  return false;
}

/** workerd processes not started by this process (Linux /proc; empty elsewhere). */
export function foreignWorkerdPids() {
  let entries = [];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries.map(Number).filter((pid) => {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "workerd") return false;
      const zombie = /\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
      return !zombie && !isOurs(pid);
    } catch {
      return false;
    }
  });
}

/** One line about the machine's load, for the log and docs/benchmarks.md. */
export function describeMachineLoad() {
  const foreign = foreignWorkerdPids();
  const [one = 0] = loadavg();
  const note = foreign.length > 0 ? ` | ${foreign.length} workerd process(es) of someone else running: figures will be noisy, compare ratios only` : "";
  return `load average ${one.toFixed(2)} on ${cpus().length} cores${note}`;
}
