// Debian packages the project needs outside npm and PyPI (python3-venv for dbt, Chromium for the
// browser tests), installed non-interactively when this user may: root (CI) or password-less sudo.
import { spawnSync } from "node:child_process";

function capture(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  return { ok: result.status === 0, status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
}

/** How to run apt-get with root rights without a prompt, or undefined when we cannot. */
export function aptRunner() {
  if (!capture("apt-get", ["--version"]).ok) return undefined;
  if (typeof process.getuid === "function" && process.getuid() === 0) return { command: "apt-get", prefix: [] };
  if (capture("sudo", ["-n", "true"]).ok) return { command: "sudo", prefix: ["-n", "apt-get"] };
  return undefined;
}

/** Whether apt knows a candidate version of `name` (a fresh container's lists name nothing). */
export function aptKnows(name) {
  return /Candidate: (?!\(none\))/.test(capture("apt-cache", ["policy", name]).stdout);
}

/**
 * Installs the first of `names` apt knows, refreshing the package lists first only when it knows
 * none of them. Returns the installed name, or throws with what failed and the command to run.
 */
export function aptInstall(names, { log, why }) {
  const manual = `apt-get install ${names[0]}`;
  const apt = aptRunner();
  if (!apt) throw new Error(`${why} needs Debian's ${names[0]} package, and this user cannot run apt-get without a password. Run \`sudo ${manual}\`.`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const aptGet = (args) => capture(apt.command, [...apt.prefix, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  log(`${why}: installing ${names[0]} with apt-get (non-interactive)`);
  if (!names.some(aptKnows)) {
    log("  apt-get update (the package lists do not name it yet)");
    const update = aptGet(["update"]);
    if (!update.ok) throw new Error(`apt-get update failed (${update.status}); run \`${manual}\` yourself.\n${update.stderr.trim().slice(-2000)}`);
  }
  const name = names.find(aptKnows);
  if (!name) throw new Error(`apt knows none of ${names.join(", ")}; install one yourself.`);
  const install = aptGet(["install", "-y", "--no-install-recommends", name]);
  if (!install.ok) throw new Error(`apt-get install ${name} failed (${install.status}); run \`${manual}\` yourself.\n${install.stderr.trim().slice(-2000)}`);
  log(`  installed ${name}`);
  return name;
}
