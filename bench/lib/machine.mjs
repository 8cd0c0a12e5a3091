// What else runs on the machine: a benchmark on 2 cores is only as quiet as its neighbours, so
// each run reports the load and any workerd that is not its own (e.g. another engineer's tests).
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { processTreeCpuSeconds } from "./wrangler-dev.mjs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

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

/** CPU seconds the whole machine has been busy (all cores; /proc/stat), or NaN when unreadable. */
export function machineBusyCpuSeconds() {
  try {
    const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds used by this process and everything it started: live descendants, plus the
 * children that have ended and been reaped (cutime, cstime).
 */
export function ownCpuSeconds() {
  let reaped = 0;
  try {
    const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    reaped = (Number(fields[13]) + Number(fields[14])) / TICKS_PER_SECOND;
  } catch {
    // not Linux
  }
  return processTreeCpuSeconds(process.pid) + reaped;
}

/**
 * Starts measuring the CPU that processes NOT started by this benchmark use (another engineer's
 * tests, a build): the returned function gives their CPU seconds and average cores since the start
 * (the machine's busy time minus this process tree's). Only valid over a window in which none of
 * our processes ends: a workerd killed after its wrangler exited is reaped by init, and its CPU
 * would count as someone else's. NaN where /proc is not available.
 */
export function otherProcessesCpuMeter() {
  const machine0 = machineBusyCpuSeconds();
  const own0 = ownCpuSeconds();
  const t0 = performance.now();
  return () => {
    const seconds = Math.max(machineBusyCpuSeconds() - machine0 - (ownCpuSeconds() - own0), 0);
    return { cpuSeconds: seconds, cores: seconds / Math.max((performance.now() - t0) / 1000, 1e-9) };
  };
}
