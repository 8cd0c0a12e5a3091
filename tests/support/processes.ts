/**
 * The processes of one local stack, found through Linux's /proc: those whose command line names
 * its state folder (wrangler's watchdog and wrangler itself, `--persist-to <folder>`), every
 * member of their process groups (workerd is wrangler's child in its group), and any process
 * holding a file of the folder open (workerd's SQLite files), wherever it runs.
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createConnection } from "node:net";

/** One process as /proc describes it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** The executable's name (`workerd`, `node`). */
  comm: string;
  /** The command line, arguments joined by spaces. */
  cmdline: string;
}

/** Whether /proc lists processes (Linux). */
export const hasProcfs = (() => {
  try {
    return readdirSync("/proc").some((name) => name === "self");
  } catch {
    return false;
  }
})();

function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // A zombie has exited already; only its exit status waits for its parent.
    if (state === "Z") return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    return { pid, ppid: Number(ppid), pgid: Number(pgid), comm, cmdline };
  } catch {
    return undefined;
  }
}

/** Every live process on the machine. */
export function allProcesses(): ProcessInfo[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .flatMap((name) => readProcess(Number(name)) ?? []);
}

function holdsFileUnder(pid: number, folder: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false; // gone, or another user's
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith(`${folder}/`);
    } catch {
      return false;
    }
  });
}

/**
 * The processes of the stack on `stateDir`: named by command line, in the process groups of
 * those (plus `groups` seen earlier), or holding one of its files open.
 */
export function stackProcesses(stateDir: string, groups: Iterable<number> = []): ProcessInfo[] {
  const processes = allProcesses().filter((p) => p.pid !== process.pid);
  const named = processes.filter((p) => p.cmdline.includes(stateDir));
  const pgids = new Set([...groups, ...named.map((p) => p.pgid)]);
  return processes.filter((p) => named.includes(p) || pgids.has(p.pgid) || holdsFileUnder(p.pid, stateDir));
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(1_000);
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      done(true); // not refused: something holds the port but does not answer
    });
    socket.once("error", () => done(false));
  });
}
