import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { experimental_readRawConfig } from "wrangler";
import { afterAll, describe, expect, it } from "vitest";
import { renderArtifacts } from "../src/artifacts.ts";
import { TABLE_NAMES } from "../src/events.ts";
import { checkWranglerArgs, shellWords } from "./support/wrangler-cli.ts";

// The scripts in infrastructure/ cannot run against Cloudflare here (no account), so they are run
// twice over: with --dry-run, checking every printed command against the pinned wrangler's own
// command definitions and against the repository's configs; and for real against a fake wrangler
// that remembers what it created, checking that a real run issues the same commands and that a
// second run creates nothing.

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const WRANGLER = "node_modules/.bin/wrangler";
const SCRIPTS = ["setup-queues.sh", "setup-r2.sh", "setup-pipelines.sh", "set-secrets.sh", "setup-all.sh"] as const;
type Script = (typeof SCRIPTS)[number];
const PARTITIONING = "year=%Y/month=%m/day=%d/hour=%H";
/** The secrets set-secrets.sh puts on each Worker, in order. */
const SECRET_NAMES = ["API_KEYS", "ADMIN_API_KEY"] as const;
/** Variables the scripts read; cleared so that the caller's shell cannot change a result. */
const SCRIPT_ENV = [
  "WRANGLER",
  "R2_ACCESS_KEY_ID",
  "R2_SECRET_ACCESS_KEY",
  "PIPELINES_ROLL_INTERVAL_SECONDS",
  "PIPELINES_ROLL_SIZE_MB",
  "API_KEYS",
  "ADMIN_API_KEY",
];
const CREDENTIALS = {
  R2_ACCESS_KEY_ID: "test-access-key-id",
  R2_SECRET_ACCESS_KEY: "test-secret-access-key-do-not-print",
  API_KEYS: '{"test-project-key":"local"}',
  ADMIN_API_KEY: "test-admin-key-do-not-print",
};

interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script with bash from a directory outside the repository (they must not depend on the cwd). */
function runScript(script: Script, args: string[], env: Record<string, string> = {}): RunResult {
  const cleanEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SCRIPT_ENV) delete cleanEnv[name];
  const result = spawnSync("bash", [join(REPO_ROOT, "infrastructure", script), ...args], {
    cwd: tmpdir(),
    env: { ...cleanEnv, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A printed command: wrangler's arguments, and the variable piped to its stdin if any. */
interface PrintedCommand {
  readonly args: readonly string[];
  readonly stdinVar?: string;
}

/** The commands a run printed ("+ <command>" lines), after checking each is the pinned wrangler. */
function printedCommands(stdout: string): PrintedCommand[] {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("+ "))
    .map((line) => {
      const piped = /^\+ printf %s "\$([A-Z_]+)" \| (.*)$/.exec(line);
      const words = shellWords(piped?.[2] ?? line.slice(2));
      expect(words[0], line).toBe(WRANGLER);
      return piped?.[1] ? { args: words.slice(1), stdinVar: piped[1] } : { args: words.slice(1) };
    });
}

/** The value of a `--flag` (or undefined). */
function flag(command: PrintedCommand, name: string): string | undefined {
  const index = command.args.indexOf(`--${name}`);
  return index === -1 ? undefined : command.args[index + 1];
}

function startsWith(command: PrintedCommand, ...words: string[]): boolean {
  return words.every((word, i) => command.args[i] === word);
}

// wrangler's own reader, so that JSONC and TOML parse exactly as deploys parse them. Its return
// type is `any` in wrangler's typings (it comes from an unbundled package), hence `unknown` here.
function rawConfig(file: string): unknown {
  const read: (options: { config: string }) => { rawConfig: unknown } = experimental_readRawConfig;
  return read({ config: join(REPO_ROOT, file) }).rawConfig;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** A config's top level and each of its environments. */
function environments(config: unknown): Record<string, unknown>[] {
  if (!isRecord(config)) return [];
  return [config, ...(isRecord(config.env) ? Object.values(config.env).filter(isRecord) : [])];
}

const WRANGLER_CONFIGS = ["wrangler.jsonc", "wrangler-api.toml", "wrangler-catalog.toml", "wrangler-compaction.toml"];

function configuredQueues(): Set<string> {
  const queues = new Set<string>();
  for (const file of WRANGLER_CONFIGS) {
    for (const env of environments(rawConfig(file))) {
      const section = isRecord(env.queues) ? env.queues : {};
      for (const entry of [...records(section.producers), ...records(section.consumers)]) {
        if (typeof entry.queue === "string") queues.add(entry.queue);
      }
    }
  }
  return queues;
}

function configuredBuckets(): Set<string> {
  const buckets = new Set<string>();
  for (const file of WRANGLER_CONFIGS) {
    for (const env of environments(rawConfig(file))) {
      for (const binding of records(env.r2_buckets)) {
        if (typeof binding.bucket_name === "string") buckets.add(binding.bucket_name);
      }
    }
  }
  return buckets;
}

function productionStreams(): string[] {
  const config = rawConfig("wrangler.jsonc");
  const production = isRecord(config) && isRecord(config.env) ? config.env.production : undefined;
  const bindings = isRecord(production) ? records(production.pipelines) : [];
  return bindings.map((binding) => String(binding.stream));
}

const dryRuns = new Map<Script, RunResult>(SCRIPTS.map((script) => [script, runScript(script, ["--dry-run"])]));

function dryRun(script: Script): PrintedCommand[] {
  const result = dryRuns.get(script);
  if (!result) throw new Error(`no dry run of ${script}`);
  return printedCommands(result.stdout);
}

describe("the offline wrangler command check", () => {
  // The check is what stands in for running wrangler, so it must reject what wrangler rejects.
  it.each([
    ["an unknown command", ["r2", "bucket", "lifecycle", "append", "b", "r", "--expire-days", "1"], /is not a wrangler/],
    ["a namespace without a command", ["r2", "bucket", "lifecycle"], /is not a wrangler namespace/],
    ["an unknown flag", ["r2", "bucket", "lifecycle", "add", "b", "r", "--expire-day", "1"], /unknown option --expire-day/],
    ["a value outside choices", ["queues", "create", "q", "--jurisdiction", "mars"], /must be one of eu, us, fedramp/],
    ["a non-number", ["basin", "pipelines", "sinks", "create", "s", "--type", "r2", "--bucket", "b", "--roll-interval", "5m"], /must be a number/],
    ["a missing required option", ["r2", "bucket", "notification", "create", "b", "--event-types", "object-create"], /required option queue missing/],
    ["a missing value", ["queues", "create", "q", "--delivery-delay-secs"], /needs a value/],
    ["too many positionals", ["queues", "create", "q", "extra"], /too many positional arguments/],
  ])("rejects %s", (_what, args, error) => {
    expect(() => checkWranglerArgs(args)).toThrow(error);
  });

  it("follows aliases (`pipelines` is `basin pipelines`) and reads arrays, booleans and global flags", () => {
    const { command, options } = checkWranglerArgs(["pipelines", "streams", "create", "s", "--http-enabled=false", "-c", "wrangler.jsonc"]);
    expect(command).toBe("pipelines streams create");
    expect(options.get("http-enabled")).toEqual(["false"]);
    expect(options.get("config")).toEqual(["wrangler.jsonc"]);
    const notification = checkWranglerArgs(["r2", "bucket", "notification", "create", "b", "--event-types", "object-create", "object-delete", "--queue", "q"]);
    expect(notification.options.get("event-types")).toEqual(["object-create", "object-delete"]);
  });

  it("splits printed command lines as a shell would", () => {
    expect(shellWords(`wrangler x --sql 'INSERT INTO a SELECT * FROM b' --key "$SECRET" --p=year=%Y`)).toEqual([
      "wrangler",
      "x",
      "--sql",
      "INSERT INTO a SELECT * FROM b",
      "--key",
      "$SECRET",
      "--p=year=%Y",
    ]);
    // How lib.sh's display_arg quotes a value with a single quote in it.
    expect(shellWords(`a 'it'\\''s'`)).toEqual(["a", "it's"]);
  });
});

describe("infrastructure scripts with --dry-run", () => {
  it.each(SCRIPTS)("%s succeeds and prints only commands wrangler 4.164 accepts", (script) => {
    const result = dryRuns.get(script);
    expect(result?.status, result?.stderr).toBe(0);
    const commands = dryRun(script);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(() => checkWranglerArgs(command.args)).not.toThrow();
  });

  it("setup-queues.sh creates every queue a wrangler config uses", () => {
    const created = dryRun("setup-queues.sh").filter((c) => startsWith(c, "queues", "create")).map((c) => c.args[2]);
    expect(created).toContain("analytics-lake-notifications");
    for (const queue of configuredQueues()) expect(created, `queue ${queue} (a wrangler config uses it)`).toContain(queue);
    expect(new Set(created).size).toBe(created.length);
  });

  it("setup-r2.sh creates the lake's three buckets, every bucket a config binds", () => {
    const created = dryRun("setup-r2.sh").filter((c) => startsWith(c, "r2", "bucket", "create")).map((c) => c.args[3]);
    expect(created).toEqual(["analytics-source", "analytics-processed", "analytics-catalog"]);
    for (const bucket of configuredBuckets()) expect(created, `bucket ${bucket} (a wrangler config binds it)`).toContain(bucket);
  });

  it("setup-r2.sh: processed expires after 90 days, its temp/ after 7, raw is kept forever", () => {
    const rules = dryRun("setup-r2.sh")
      .filter((c) => startsWith(c, "r2", "bucket", "lifecycle", "add"))
      .map((c) => {
        const { options } = checkWranglerArgs(c.args);
        return { bucket: options.get("bucket")?.[0], prefix: options.get("prefix")?.[0] ?? "", days: options.get("expire-days")?.[0] };
      });
    expect(rules).toEqual([
      { bucket: "analytics-processed", prefix: "", days: "90" },
      { bucket: "analytics-processed", prefix: "temp/", days: "7" },
    ]);
    // Nothing ever expires raw events; the script says so rather than staying silent.
    expect(dryRuns.get("setup-r2.sh")?.stdout).toMatch(/analytics-source: no expiry rule: raw events are kept forever/);
  });

  it("setup-r2.sh notifies the catalog's queue of every object created under events/ in analytics-source", () => {
    const notifications = dryRun("setup-r2.sh").filter((c) => startsWith(c, "r2", "bucket", "notification", "create"));
    expect(notifications).toHaveLength(1);
    const { options } = checkWranglerArgs(notifications[0]?.args ?? []);
    expect(options.get("bucket")).toEqual(["analytics-source"]);
    expect(options.get("event-types")).toEqual(["object-create"]);
    expect(options.get("prefix")).toEqual(["events/"]);
    expect(options.get("queue")).toEqual(["analytics-lake-notifications"]);
    const queues = dryRun("setup-queues.sh").map((c) => c.args[2]);
    expect(queues, "setup-queues.sh creates the notification queue").toContain("analytics-lake-notifications");
  });

  it("setup-pipelines.sh creates exactly the streams wrangler.jsonc env.production binds", () => {
    const streams = dryRun("setup-pipelines.sh")
      .filter((c) => startsWith(c, "basin", "pipelines", "streams", "create"))
      .map((c) => c.args[4]);
    expect([...streams].sort()).toEqual([...productionStreams()].sort());
    expect([...streams].sort()).toEqual(TABLE_NAMES.map((table) => `analytics_${table}`).sort());
  });

  it.each(TABLE_NAMES)("setup-pipelines.sh: %s gets its generated schema, a Parquet sink in the lake layout, and a pipeline", (table) => {
    const commands = dryRun("setup-pipelines.sh");
    const stream = commands.find((c) => startsWith(c, "basin", "pipelines", "streams", "create", `analytics_${table}`));
    const schemaFile = stream && flag(stream, "schema-file");
    expect(schemaFile).toBe(`packages/event-schema/generated/pipelines/${table}.schema.json`);
    const schemaPath = join(REPO_ROOT, schemaFile ?? "");
    expect(existsSync(schemaPath)).toBe(true);
    expect(readFileSync(schemaPath, "utf8")).toBe(renderArtifacts()[`generated/pipelines/${table}.schema.json`]);

    const sinks = commands.filter((c) => startsWith(c, "basin", "pipelines", "sinks", "create") && flag(c, "path") === `events/${table}`);
    expect(sinks).toHaveLength(1);
    const sink = sinks[0] ?? { args: [] };
    expect(flag(sink, "type")).toBe("r2");
    expect(flag(sink, "bucket")).toBe("analytics-source");
    expect(flag(sink, "format")).toBe("parquet");
    expect(flag(sink, "compression")).toBe("zstd");
    expect(flag(sink, "partitioning")).toBe(PARTITIONING);
    expect(flag(sink, "roll-interval")).toBe("300");
    // Files land where the lake layout says (README "The lake (R2)"): events/<table>/year=YYYY/month=MM/day=DD/hour=HH/.
    expect(`${flag(sink, "path")}/${flag(sink, "partitioning")}`).toBe(`events/${table}/${PARTITIONING}`);

    const sinkName = sink.args[4];
    const pipeline = commands.find((c) => startsWith(c, "basin", "pipelines", "create") && flag(c, "sql")?.includes(`FROM analytics_${table}`));
    expect(pipeline && flag(pipeline, "sql")).toBe(`INSERT INTO ${sinkName} SELECT * FROM analytics_${table}`);
  });

  it("setup-pipelines.sh takes the roll interval and size from the environment", () => {
    const result = runScript("setup-pipelines.sh", ["--dry-run"], { PIPELINES_ROLL_INTERVAL_SECONDS: "120", PIPELINES_ROLL_SIZE_MB: "64" });
    expect(result.status, result.stderr).toBe(0);
    const sinks = printedCommands(result.stdout).filter((c) => startsWith(c, "basin", "pipelines", "sinks", "create"));
    expect(sinks).toHaveLength(TABLE_NAMES.length);
    for (const sink of sinks) {
      expect(flag(sink, "roll-interval")).toBe("120");
      expect(flag(sink, "roll-size")).toBe("64");
    }
    const bad = runScript("setup-pipelines.sh", ["--dry-run"], { PIPELINES_ROLL_INTERVAL_SECONDS: "5m" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/PIPELINES_ROLL_INTERVAL_SECONDS must be a whole number of seconds/);
  });

  it("credentials and keys are shown as variables, never as their values", () => {
    for (const script of ["setup-pipelines.sh", "set-secrets.sh"] as const) {
      const result = runScript(script, ["--dry-run"], CREDENTIALS);
      expect(result.status, result.stderr).toBe(0);
      for (const secret of [CREDENTIALS.R2_SECRET_ACCESS_KEY, CREDENTIALS.ADMIN_API_KEY, CREDENTIALS.API_KEYS]) {
        expect(result.stdout + result.stderr).not.toContain(secret);
      }
    }
    const sink = dryRun("setup-pipelines.sh").find((c) => startsWith(c, "basin", "pipelines", "sinks", "create"));
    expect(sink && flag(sink, "access-key-id")).toBe("$R2_ACCESS_KEY_ID");
    expect(sink && flag(sink, "secret-access-key")).toBe("$R2_SECRET_ACCESS_KEY");
    const secrets = dryRun("set-secrets.sh");
    // Every Worker that checks keys gets both, with the config and environment README "Deploy" deploys it with.
    const deployed: [string, string[] | undefined][] = [
      ["wrangler.jsonc", ["production"]],
      ["wrangler-api.toml", ["production"]],
      ["wrangler-catalog.toml", undefined],
      ["wrangler-compaction.toml", undefined],
    ];
    expect(
      secrets.map((c) => {
        const { options } = checkWranglerArgs(c.args);
        return [c.stdinVar, c.args.slice(0, 3).join(" "), options.get("config")?.[0], options.get("env")];
      }),
    ).toEqual(deployed.flatMap(([config, env]) => SECRET_NAMES.map((name) => [name, `secret put ${name}`, config, env])));
  });

  it("setup-all.sh runs queues, R2, Pipelines, then secrets", () => {
    const parts = (["setup-queues.sh", "setup-r2.sh", "setup-pipelines.sh", "set-secrets.sh"] as const).flatMap(dryRun);
    expect(dryRun("setup-all.sh")).toEqual(parts);
  });
});

describe("infrastructure scripts for real, against a fake wrangler", () => {
  const dir = mkdtempSync(join(tmpdir(), "infrastructure-scripts-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Copied so that the executable bit does not depend on how the repository was checked out.
  const fake = join(dir, "wrangler");
  copyFileSync(fileURLToPath(new URL("./support/fake-wrangler.mjs", import.meta.url)), fake);
  chmodSync(fake, 0o755);

  interface Call {
    args: string[];
    stdin?: string;
  }

  /** Runs a script against a fresh log; the account state carries over between calls with the same name. */
  function runReal(script: Script, account: string, env: Record<string, string> = CREDENTIALS): RunResult & { calls: Call[] } {
    const log = join(dir, `${account}.log`);
    rmSync(log, { force: true });
    const result = runScript(script, [], { ...env, WRANGLER: fake, FAKE_WRANGLER_STATE: join(dir, `${account}.json`), FAKE_WRANGLER_LOG: log });
    const calls = existsSync(log)
      ? readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .map((line): Call => JSON.parse(line) as Call)
      : [];
    return { ...result, calls };
  }

  const isLookup = (call: Call) => ["info", "get", "list"].some((verb) => call.args.includes(verb));

  it("setup-pipelines.sh stops before calling wrangler when the R2 credentials are missing", () => {
    const result = runReal("setup-pipelines.sh", "no-credentials", {});
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/not set: R2_ACCESS_KEY_ID R2_SECRET_ACCESS_KEY/);
    expect(result.calls).toEqual([]);
  });

  it("setup-r2.sh refuses to add the notification before its queue exists", () => {
    const result = runReal("setup-r2.sh", "no-queue");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/queue analytics-lake-notifications does not exist: run infrastructure\/setup-queues.sh first/);
  });

  it("a first run issues the dry run's commands; a second creates nothing", { timeout: 60_000 }, () => {
    const first = runReal("setup-all.sh", "account");
    expect(first.status, first.stderr).toBe(0);
    const expected = dryRun("setup-all.sh").map((command) =>
      command.args.map((arg) => (arg === "$R2_ACCESS_KEY_ID" ? CREDENTIALS.R2_ACCESS_KEY_ID : arg === "$R2_SECRET_ACCESS_KEY" ? CREDENTIALS.R2_SECRET_ACCESS_KEY : arg)),
    );
    expect(first.calls.filter((call) => !isLookup(call)).map((call) => call.args)).toEqual(expected);
    // Secrets reach wrangler on stdin, never as arguments.
    const puts = first.calls.filter((call) => call.args[0] === "secret");
    expect(puts.map((call) => call.stdin)).toEqual(Array.from({ length: 4 }, () => [CREDENTIALS.API_KEYS, CREDENTIALS.ADMIN_API_KEY]).flat());
    expect(first.stdout + first.stderr).not.toContain(CREDENTIALS.R2_SECRET_ACCESS_KEY);
    // The deployed stream ids are reported, for wrangler.jsonc's bindings.
    // The stream ids, as the wrangler.jsonc lines that bind them.
    for (const table of TABLE_NAMES) {
      expect(first.stdout).toContain(`{ "binding": "PIPELINE_${table.toUpperCase()}", "stream": "id-analytics_${table}" },`);
    }

    const second = runReal("setup-all.sh", "account");
    expect(second.status, second.stderr).toBe(0);
    // Setting a secret again is how secrets are updated, so only those repeat.
    expect(second.calls.filter((call) => !isLookup(call)).map((call) => call.args.slice(0, 3).join(" "))).toEqual(
      Array.from({ length: 4 }, () => SECRET_NAMES.map((name) => `secret put ${name}`)).flat(),
    );
    expect(second.stdout).toMatch(/lifecycle rule processed-temp-expire-7d on analytics-processed exists/);
    expect(second.stdout).toMatch(/notification rule analytics-source\/events\/\* -> analytics-lake-notifications exists/);
  });

  it("an existing stream whose schema differs from the generated one is reported", () => {
    const table = TABLE_NAMES[0] ?? "page_views";
    const outdated = join(dir, "outdated.schema.json");
    writeFileSync(outdated, JSON.stringify({ fields: [{ name: "type", type: "string", required: true }] }));
    writeFileSync(
      join(dir, "drift.json"),
      JSON.stringify({ queues: [], buckets: ["analytics-source"], lifecycle: {}, notifications: {}, streams: { [`analytics_${table}`]: outdated }, sinks: [], pipelines: [] }),
    );
    const result = runReal("setup-pipelines.sh", "drift");
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`warning: stream analytics_${table} differs from .*${table}.schema.json`));
    expect(result.stderr).toMatch(/not in the stream: event_id string required, timestamp timestamp required/);
    expect(result.calls.some((call) => startsWith(call, "basin", "pipelines", "streams", "create", `analytics_${table}`))).toBe(false);
  });
});
