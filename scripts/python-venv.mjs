// The project's Python venv (.venv/ at the repository root) with dbt, for `npm start`, `npm test`,
// `npm run dbt` and CI. Plain ESM on node: built-ins only: scripts/dev.mjs runs it on the machine's
// own Node before anything else is installed.
//
// What it does, and skips when nothing changed:
//   1. finds Python >= 3.11 (`PYTHON`, else python3, else python);
//   2. creates .venv with `python -m venv`. Debian and Ubuntu ship `ensurepip` (which venv needs)
//      in a separate package, python3.X-venv: when it is missing and we may use apt-get (root, as
//      in CI containers, or password-less sudo), it is installed non-interactively; otherwise the
//      error says which command to run;
//   3. installs dbt/requirements.txt (every version pinned, wheels only) with the venv's pip;
//   4. installs DuckDB's httpfs extension from its pip package into .venv/duckdb_extensions, where
//      dbt/profiles.yml points DuckDB (it cannot download extensions on an offline machine);
//   5. writes .venv/.dbt-install.json with a hash of the requirements and the recipe, so the next
//      run skips all of this while the requirements are unchanged.
import { aptInstall } from "./apt.mjs";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const isWindows = process.platform === "win32";

/** The venv folder (gitignored). */
export const venvDir = join(root, ".venv");
/** The pinned Python requirements of dbt. */
export const requirementsFile = join(root, "dbt", "requirements.txt");
/** Where the httpfs extension is installed for DuckDB (`extension_directory` in dbt/profiles.yml). */
export const duckdbExtensionDir = join(venvDir, "duckdb_extensions");
const stampFile = join(venvDir, ".dbt-install.json");

/** The venv's executables. */
export const venvBin = (name) => join(venvDir, isWindows ? "Scripts" : "bin", isWindows ? `${name}.exe` : name);

/** Bump when the steps below change in a way that needs a reinstall on machines that have a venv. */
const RECIPE_VERSION = 1;
const MIN_PYTHON = [3, 11];

/** Typed error for every way the install can fail; the message says what to do. */
export class PythonSetupError extends Error {
  constructor(message, { cause, exitCode = 1 } = {}) {
    super(message, { cause });
    this.name = "PythonSetupError";
    this.exitCode = exitCode;
  }
}

function capture(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });
  return { ok: !result.error && result.status === 0, status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "", error: result.error };
}

function runStep(command, args, what, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], ...options });
  if (result.error) throw new PythonSetupError(`${what}: could not run ${command}: ${result.error.message}`, { cause: result.error });
  if (result.status !== 0) throw new PythonSetupError(`${what} failed (${command} ${args.join(" ")} exited with ${result.status})`);
}

const PYTHON_INFO = "import sys, sysconfig; print(sys.version_info[0], sys.version_info[1], sys.executable, sysconfig.get_config_var('prefix') or '')";

/** The version, executable and install prefix of a Python interpreter, or undefined when it does not run. */
function describePython(command) {
  const result = capture(command, ["-c", PYTHON_INFO]);
  if (!result.ok) return undefined;
  const [major, minor, executable, prefix] = result.stdout.trim().split(" ");
  return { command, major: Number(major), minor: Number(minor), executable, prefix };
}

const atLeast = (info) => info.major > MIN_PYTHON[0] || (info.major === MIN_PYTHON[0] && info.minor >= MIN_PYTHON[1]);

function findPython() {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : isWindows ? ["python", "py"] : ["python3", "python"];
  const seen = [];
  for (const command of candidates) {
    const info = describePython(command);
    if (!info) continue;
    if (atLeast(info)) return info;
    seen.push(`${command} is ${info.major}.${info.minor}`);
  }
  throw new PythonSetupError(
    `dbt needs Python >= ${MIN_PYTHON.join(".")} (${seen.length ? seen.join(", ") : `none of ${candidates.join(", ")} runs`}). ` +
      "Install it (Debian/Ubuntu: apt-get install python3 python3-venv) or point PYTHON at one.",
  );
}

function requirementsHash() {
  return createHash("sha256").update(`recipe ${RECIPE_VERSION}\n`).update(readFileSync(requirementsFile)).digest("hex");
}

function readStamp() {
  try {
    return JSON.parse(readFileSync(stampFile, "utf8"));
  } catch {
    return undefined;
  }
}

/** The httpfs extension file DuckDB loads (installed by step 4), or undefined. */
function installedExtension() {
  const result = capture(venvBin("python"), ["-c", "import duckdb; print(duckdb.__version__)"]);
  if (!result.ok) return undefined;
  const version = result.stdout.trim();
  const platform = capture(venvBin("python"), ["-c", "import duckdb; print(duckdb.sql('pragma platform').fetchone()[0])"]).stdout.trim();
  const file = join(duckdbExtensionDir, `v${version}`, platform, "httpfs.duckdb_extension");
  return existsSync(file) ? file : undefined;
}

/** Whether the venv is complete and was installed from the current requirements. */
export function dbtVenvIsCurrent() {
  const stamp = readStamp();
  return Boolean(stamp && stamp.hash === requirementsHash() && existsSync(venvBin("dbt")) && capture(venvBin("python"), ["-c", "pass"]).ok && installedExtension());
}

// Debian and Ubuntu split ensurepip out of python3.X into python3.X-venv. Without it, `python3 -m
// venv` prints "ensurepip is not available ... apt install python3.X-venv", exits 1, and leaves a
// venv without pip behind.
const ENSUREPIP_MISSING = /ensurepip is not\s+available|No module named ensurepip|python3(\.\d+)?-venv/;

function isDebianSystemPython(info) {
  if (process.platform !== "linux" || !existsSync("/etc/debian_version")) return false;
  let executable = info.executable;
  try {
    executable = realpathSync(info.executable);
  } catch {
    // keep the reported path
  }
  return info.prefix === "/usr" && executable.startsWith("/usr/bin/");
}

/**
 * Installs python3.X-venv (falling back to python3-venv) with apt-get, non-interactively. Refreshes
 * the package lists first only when the package is not known (a fresh container has none).
 */
function installVenvPackage(info, log) {
  const wanted = [`python${info.major}.${info.minor}-venv`, "python3-venv"];
  if (!isDebianSystemPython(info)) {
    throw new PythonSetupError(
      `${info.command} (${info.executable}) cannot create a venv: its ensurepip module is missing. ` +
        `Install a complete Python ${MIN_PYTHON.join(".")}+ or point PYTHON at one.`,
    );
  }
  try {
    aptInstall(wanted, { log, why: `${info.command} -m venv needs ensurepip, which Debian/Ubuntu ship separately` });
  } catch (error) {
    throw new PythonSetupError(`${error.message} Then start again.`);
  }
}

function createVenv(info, log) {
  const attempt = () => capture(info.command, ["-m", "venv", venvDir]);
  let result = attempt();
  if (!result.ok && ENSUREPIP_MISSING.test(result.stdout + result.stderr)) {
    // The failed attempt leaves a venv without pip behind.
    rmSync(venvDir, { recursive: true, force: true });
    installVenvPackage(info, log);
    result = attempt();
  }
  if (!result.ok) {
    rmSync(venvDir, { recursive: true, force: true });
    throw new PythonSetupError(`${info.command} -m venv ${venvDir} failed (${result.status}):\n${(result.stdout + result.stderr).trim().slice(-2000)}`);
  }
  if (!capture(venvBin("python"), ["-m", "pip", "--version"]).ok) {
    rmSync(venvDir, { recursive: true, force: true });
    throw new PythonSetupError(`${info.command} created a venv without pip; install a complete Python ${MIN_PYTHON.join(".")}+ (Debian/Ubuntu: python3-venv).`);
  }
}

/** Whether .venv holds a working Python of a supported version that we can reuse. */
function reusableVenv() {
  if (!existsSync(venvBin("python"))) return false;
  const info = describePython(venvBin("python"));
  return Boolean(info && atLeast(info) && capture(venvBin("python"), ["-m", "pip", "--version"]).ok);
}

const INSTALL_EXTENSION = `
import glob, os, sys, duckdb
import duckdb_extension_httpfs
found = glob.glob(os.path.join(os.path.dirname(duckdb_extension_httpfs.__file__), "extensions", "v" + duckdb.__version__, "httpfs.duckdb_extension"))
if not found:
    sys.exit("duckdb-extension-httpfs has no build for duckdb " + duckdb.__version__ + ": pin both to the same version in dbt/requirements.txt")
# INSTALL from a local file copies it into extension_directory; LOAD checks DuckDB's signature.
con = duckdb.connect(config={"extension_directory": sys.argv[1], "autoinstall_known_extensions": False})
con.install_extension(found[0], force_install=True)
con.load_extension("httpfs")
print(con.sql("select install_path from duckdb_extensions() where extension_name = 'httpfs'").fetchone()[0])
`;

/**
 * Makes .venv hold the pinned dbt, dbt-duckdb and DuckDB with its httpfs extension; a no-op (one
 * line of output) when the requirements are unchanged since the last install.
 * @example ensureDbtVenv({ log: console.log })
 */
export function ensureDbtVenv({ log = (message) => process.stdout.write(`${message}\n`) } = {}) {
  if (dbtVenvIsCurrent()) {
    log("dbt venv is up to date (.venv, dbt/requirements.txt unchanged)");
    return { installed: false };
  }
  const started = Date.now();
  if (reusableVenv()) {
    log("updating the dbt venv (.venv): dbt/requirements.txt changed or the last install did not finish");
  } else {
    rmSync(venvDir, { recursive: true, force: true });
    const python = findPython();
    log(`creating the Python venv .venv with ${python.command} ${python.major}.${python.minor} (${python.executable})`);
    createVenv(python, log);
  }
  rmSync(stampFile, { force: true });
  const pins = readFileSync(requirementsFile, "utf8").split("\n").filter((line) => /^[A-Za-z0-9]/.test(line)).length;
  log(`installing dbt into .venv from PyPI: ${pins} pinned packages in dbt/requirements.txt (wheels only; the first time takes a minute)`);
  runStep(
    venvBin("python"),
    ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off", "--only-binary=:all:", "--require-virtualenv", "-r", requirementsFile],
    "pip install -r dbt/requirements.txt",
  );
  log("installing DuckDB's httpfs extension from its pip package into .venv/duckdb_extensions (no download)");
  const extension = capture(venvBin("python"), ["-c", INSTALL_EXTENSION, duckdbExtensionDir]);
  if (!extension.ok) throw new PythonSetupError(`installing the httpfs extension failed:\n${(extension.stdout + extension.stderr).trim().slice(-2000)}`);
  const dbtVersion = capture(venvBin("dbt"), ["--version"]);
  if (!dbtVersion.ok) throw new PythonSetupError(`dbt does not run from the venv:\n${(dbtVersion.stdout + dbtVersion.stderr).trim().slice(-2000)}`);
  writeFileSync(stampFile, `${JSON.stringify({ hash: requirementsHash(), installed_at: new Date().toISOString(), extension: extension.stdout.trim() }, null, 2)}\n`);
  const core = /Core:\s*\n\s*- installed:\s*(\S+)/.exec(dbtVersion.stdout)?.[1] ?? "?";
  const adapter = /duckdb:\s*(\S+)/.exec(dbtVersion.stdout)?.[1] ?? "?";
  log(`dbt ${core} with dbt-duckdb ${adapter} ready in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return { installed: true };
}
