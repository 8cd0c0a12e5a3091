// Offline checks of wrangler command lines against the pinned wrangler's own command definitions,
// so that scripts which cannot run here (no Cloudflare account) still use real commands and flags.
import { experimental_getWranglerCommands } from "wrangler";

type Registry = ReturnType<typeof experimental_getWranglerCommands>["registry"];
type TreeNode = Registry extends { subtree: Map<string, infer N> } ? N : never;
type CommandDefinition = Extract<NonNullable<TreeNode["definition"]>, { type: "command" }>;

/**
 * The yargs option fields this check reads. wrangler types its options with yargs' types, which are
 * not installed here (they resolve loosely), so options are read through this shape instead.
 */
interface ArgSpec {
  readonly type?: string;
  readonly alias?: string | readonly string[];
  readonly choices?: readonly unknown[];
  readonly array?: boolean;
  readonly demandOption?: boolean | string;
}

function argSpecs(definitions: object | undefined): Record<string, ArgSpec> {
  return Object.fromEntries(Object.entries(definitions ?? {}).map(([name, spec]: [string, unknown]) => [name, spec as ArgSpec]));
}

/** The shell words of a printed command line: bare words, '...', "..." (no escapes inside) and backslash-escaped characters. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /\s*(?:'([^']*)'|"([^"]*)"|\\(.)|([^\s'"\\]+))/gy;
  let current: string | undefined;
  let lastEnd = 0;
  for (let match = pattern.exec(line); match; match = pattern.exec(line)) {
    const gap = match[0].length - match[0].trimStart().length;
    const piece = match[1] ?? match[2] ?? match[3] ?? match[4] ?? "";
    // Adjacent quoted and bare pieces form one word (e.g. --x='a b').
    if (current !== undefined && gap === 0 && match.index === lastEnd) current += piece;
    else {
      if (current !== undefined) words.push(current);
      current = piece;
    }
    lastEnd = pattern.lastIndex;
  }
  if (lastEnd !== line.trimEnd().length) throw new Error(`cannot split shell words of: ${line}`);
  if (current !== undefined) words.push(current);
  return words;
}

const { registry, globalFlags } = experimental_getWranglerCommands();

function childOf(node: TreeNode, word: string): TreeNode | undefined {
  const child = node.subtree.get(word);
  const definition = child?.definition;
  if (definition?.type !== "alias") return child;
  // An alias names its target as a full command line ("wrangler basin pipelines").
  const target = definition.aliasOf.split(" ").slice(1);
  let resolved: TreeNode | undefined = registry;
  for (const part of target) resolved = resolved ? childOf(resolved, part) : undefined;
  return resolved;
}

function aliasesOf(definition: ArgSpec): string[] {
  const alias = definition.alias;
  if (alias === undefined) return [];
  return typeof alias === "string" ? [alias] : [...alias];
}

/** Where a wrangler command line lands: the words of the command and its definition. */
export interface ResolvedCommand {
  readonly command: string;
  readonly definition: CommandDefinition;
  readonly rest: readonly string[];
}

/** Finds the command a wrangler argument list runs (following aliases such as `pipelines`). */
export function resolveWranglerCommand(args: readonly string[]): ResolvedCommand {
  let node: TreeNode = registry;
  let depth = 0;
  for (const word of args) {
    const child = childOf(node, word);
    if (!child) break;
    node = child;
    depth++;
  }
  const definition = node.definition;
  const command = args.slice(0, depth).join(" ");
  if (definition?.type !== "command") throw new Error(`"wrangler ${command}" is not a wrangler ${definition?.type ?? "command"} (args: ${args.join(" ")})`);
  return { command, definition, rest: args.slice(depth) };
}

/**
 * Checks a wrangler argument list the way wrangler's parser would, offline: the command exists,
 * every flag is one of its options (or a global flag), values exist, match `choices` and number
 * types, positionals are not too many, and every required option is given.
 * @returns the parsed options by canonical name, positionals under `_`
 */
export function checkWranglerArgs(args: readonly string[]): { command: string; options: Map<string, string[]>; positionals: string[] } {
  const { command, definition, rest } = resolveWranglerCommand(args);
  const own = argSpecs(definition.args);
  const named: Record<string, ArgSpec> = { ...argSpecs(globalFlags), ...own };
  const byName = new Map<string, string>();
  for (const [name, arg] of Object.entries(named)) {
    byName.set(name, name);
    for (const alias of aliasesOf(arg)) byName.set(alias, name);
  }
  const positionalNames = definition.positionalArgs ?? [];
  const options = new Map<string, string[]>();
  const positionals: string[] = [];
  const fail = (message: string): never => {
    throw new Error(`wrangler ${command}: ${message} (args: ${args.join(" ")})`);
  };

  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] ?? "";
    if (!word.startsWith("-")) {
      positionals.push(word);
      continue;
    }
    const [flag = "", inline] = word.replace(/^--?/, "").split(/=(.*)/s, 2);
    const negated = flag.startsWith("no-") && !byName.has(flag);
    const name = byName.get(negated ? flag.slice(3) : flag);
    if (!name) fail(`unknown option --${flag}`);
    const arg = named[name ?? ""] ?? fail(`no definition for --${flag}`);
    let values: string[];
    if (arg.type === "boolean") {
      values = [negated ? "false" : (inline ?? "true")];
      if (values[0] !== "true" && values[0] !== "false") fail(`--${flag} is a boolean, got "${inline}"`);
    } else if (inline !== undefined) {
      values = [inline];
    } else {
      values = [];
      // Arrays take every following word up to the next flag, as yargs does.
      while (i + 1 < rest.length && !(rest[i + 1] ?? "").startsWith("-")) {
        values.push(rest[++i] ?? "");
        if (!arg.array) break;
      }
      if (values.length === 0) fail(`--${flag} needs a value`);
    }
    for (const value of values) {
      if (arg.choices && !arg.choices.includes(value)) fail(`--${flag} must be one of ${arg.choices.join(", ")}, got "${value}"`);
      if (arg.type === "number" && !Number.isFinite(Number(value))) fail(`--${flag} must be a number, got "${value}"`);
    }
    options.set(name ?? flag, [...(options.get(name ?? flag) ?? []), ...values]);
  }

  if (positionals.length > positionalNames.length) fail(`too many positional arguments: ${positionals.join(" ")}`);
  positionalNames.forEach((name, index) => {
    const value = positionals[index];
    if (value !== undefined) options.set(name, [value]);
  });
  for (const [name, arg] of Object.entries(own)) {
    if (arg.demandOption && !options.has(name)) fail(`required option ${name} missing`);
  }
  return { command, options, positionals };
}
