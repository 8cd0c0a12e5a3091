#!/usr/bin/env node
// A stand-in for wrangler in infrastructure-scripts.test.ts: the scripts run for real (not --dry-run)
// against it. It remembers what was created in $FAKE_WRANGLER_STATE (JSON), answers lookups the
// way wrangler 4.164 prints them, and appends each call to $FAKE_WRANGLER_LOG as a JSON line
// `{ "args": [...], "stdin"?: "..." }`. Only the commands the scripts use are understood.
import { existsSync, appendFileSync, readFileSync, writeFileSync } from "node:fs";

const args = process.argv.slice(2);
const statePath = process.env.FAKE_WRANGLER_STATE;
const logPath = process.env.FAKE_WRANGLER_LOG;
if (!statePath || !logPath) throw new Error("FAKE_WRANGLER_STATE and FAKE_WRANGLER_LOG must be set");

const state = existsSync(statePath)
  ? JSON.parse(readFileSync(statePath, "utf8"))
  : { queues: [], buckets: [], lifecycle: {}, notifications: {}, streams: {}, sinks: [], pipelines: [] };

const call = { args };
if (args[0] === "secret") call.stdin = readFileSync(0, "utf8");
appendFileSync(logPath, `${JSON.stringify(call)}\n`);

const flag = (name) => {
  const index = args.indexOf(`--${name}`);
  return index === -1 ? undefined : args[index + 1];
};
const save = () => writeFileSync(statePath, JSON.stringify(state, null, 2));
const notFound = (what) => {
  process.stderr.write(`✘ [ERROR] ${what} not found.\n`);
  process.exit(1);
};
const is = (...words) => words.every((word, i) => args[i] === word);

if (is("queues", "create")) {
  state.queues.push(args[2]);
  save();
} else if (is("queues", "info")) {
  if (!state.queues.includes(args[2])) notFound(`Queue "${args[2]}"`);
} else if (is("r2", "bucket", "create")) {
  state.buckets.push(args[3]);
  save();
} else if (is("r2", "bucket", "info")) {
  if (!state.buckets.includes(args[3])) notFound(`Bucket "${args[3]}"`);
} else if (is("r2", "bucket", "lifecycle", "add")) {
  const [bucket, name, prefix] = args.slice(4).filter((word, i, all) => !word.startsWith("-") && !all[i - 1]?.startsWith("--expire"));
  (state.lifecycle[bucket] ??= []).push({ name, prefix: prefix ?? "", days: Number(flag("expire-days")) });
  save();
} else if (is("r2", "bucket", "lifecycle", "list")) {
  const rules = state.lifecycle[args[4]] ?? [];
  console.log(`Listing lifecycle rules for bucket '${args[4]}'...`);
  console.log(
    rules
      .map((r) => `name:     ${r.name}\nenabled:  Yes\nprefix:   ${r.prefix || "(all prefixes)"}\naction:   Expire objects after ${r.days} days`)
      .join("\n\n"),
  );
} else if (is("r2", "bucket", "notification", "create")) {
  (state.notifications[args[4]] ??= []).push({ queue: flag("queue"), prefix: flag("prefix") ?? "" });
  save();
} else if (is("r2", "bucket", "notification", "list")) {
  const rules = state.notifications[args[4]] ?? [];
  console.log(`Fetching notification rules for bucket ${args[4]}...`);
  console.log(
    rules
      .map((r, i) => `rule_id:     rule-${i}\ncreated_at:  2026-11-25\nqueue_name:  ${r.queue}\nprefix:      ${r.prefix || "(all prefixes)"}\nsuffix:      (all suffixes)\nevent_type:  PutObject,CompleteMultipartUpload,CopyObject`)
      .join("\n\n"),
  );
} else if (is("basin", "pipelines", "streams", "create")) {
  state.streams[args[4]] = flag("schema-file");
  save();
} else if (is("basin", "pipelines", "streams", "get")) {
  const schemaFile = state.streams[args[4]];
  if (schemaFile === undefined) notFound(`Stream "${args[4]}"`);
  console.log(JSON.stringify({ id: `id-${args[4]}`, name: args[4], schema: JSON.parse(readFileSync(schemaFile, "utf8")) }));
} else if (is("basin", "pipelines", "sinks", "create")) {
  state.sinks.push(args[4]);
  save();
} else if (is("basin", "pipelines", "sinks", "get")) {
  if (!state.sinks.includes(args[4])) notFound(`Sink "${args[4]}"`);
} else if (is("basin", "pipelines", "create")) {
  state.pipelines.push(args[3]);
  save();
} else if (is("basin", "pipelines", "get")) {
  if (!state.pipelines.includes(args[3])) notFound(`Pipeline "${args[3]}"`);
} else if (!is("secret", "put")) {
  process.stderr.write(`fake wrangler: unexpected command: ${args.join(" ")}\n`);
  process.exit(2);
}
