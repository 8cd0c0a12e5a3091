import { AeSqlError, unsupported } from "./errors.ts";
import type { AeSqlLimits } from "./limits.ts";
import { fixedOffset, offsetTable } from "./timezones.ts";

/** A value bound to the generated statement (Durable Object SQLite binds strings and numbers). */
export type SqlParam = string | number;

/**
 * Appended to a one-row subquery so SQLite evaluates it once instead of flattening it into the
 * outer query: flattening substitutes the expression for every use of its name, which is the
 * copying {@link SqlBuilder.let} exists to avoid (nested lets would grow exponentially).
 * SQLite never flattens a subquery with an OFFSET (query flattener rule 14).
 */
export const NO_FLATTEN = " LIMIT -1 OFFSET 0";

/** Prefix of runtime-error messages raised from inside the generated SQL (see {@link SqlBuilder.raise}). */
export const RAISE_PREFIX = "ae-sql: ";


/** Text of an INTEGER literal; only numbers the compiler produced reach here, never user text. */
export function sqlInteger(x: number | bigint): string {
  const text = BigInt(x).toString();
  return x < 0 ? `(${text})` : text;
}

/**
 * Collects bound parameters (as numbered `?N`, each distinct value once, so repeating a
 * sub-expression costs no parameters) and the per-zone offset tables the statement needs.
 */
export class SqlBuilder {
  readonly params: SqlParam[] = [];
  private readonly index = new Map<string, number>();
  private readonly zones = new Map<string, string>();
  private lets = 0;

  constructor(private readonly limits: AeSqlLimits) {}

  /** A placeholder bound to `value`. */
  param(value: SqlParam): string {
    const key = `${typeof value}:${String(value)}`;
    let index = this.index.get(key);
    if (index === undefined) {
      this.params.push(value);
      index = this.params.length;
      this.index.set(key, index);
    }
    return `?${index}`;
  }

  /**
   * A REAL value. Whole numbers below 2^53 are written as literals (exact); any other double is
   * bound, because SQLite's decimal-to-double conversion is not correctly rounded (about 6% of
   * random doubles written with 17 digits come back as a neighbour).
   */
  real(x: number): string {
    if (Number.isNaN(x)) return "NULL";
    // SQLite has no infinity literal; a too-large literal overflows to it.
    if (x === Infinity) return "9e999";
    if (x === -Infinity) return "(-9e999)";
    if (Number.isSafeInteger(x)) return x < 0 ? `(${x}.0)` : `${x}.0`;
    return this.param(x);
  }

  /**
   * An expression that fails the statement with `message` when evaluated (SQLite core has no
   * RAISE outside triggers, but a malformed JSON path is an error whose text we choose).
   * SQLite evaluates CASE branches lazily, so it only fires on the rows that reach it.
   */
  raise(message: string): string {
    return `json_extract('{}', ${this.param(RAISE_PREFIX + message)})`;
  }

  /**
   * The offset of `zone` at the instant named `ref` (a plain column name: evaluated once, not
   * once per table row the lookup scans, which made nested lookups quadratic).
   */
  private lookup(zone: string, ref: string): string {
    let name = this.zones.get(zone);
    if (name === undefined) {
      name = `__tz${this.zones.size}`;
      this.zones.set(zone, name);
    }
    return `(SELECT o FROM ${name} WHERE s <= ${ref} ORDER BY s DESC LIMIT 1)`;
  }

  /**
   * Offset lookups are scalar subqueries, and SQLite refuses an aggregate inside one ("misuse of
   * aggregate"): functions send aggregates to their JavaScript form (`rowLevelSql`) instead.
   */
  private rowLevel(zone: string, aggregate: boolean): void {
    if (aggregate) throw unsupported(`converting an aggregate to time zone ${zone} is not supported by the local emulator`);
  }

  /** Wall-clock seconds of the UTC instant `utcSql` in `zone`. */
  local(zone: string | undefined, utcSql: string, aggregate: boolean): string {
    const fixed = fixedOffset(zone);
    if (fixed !== undefined) return fixed === 0 ? utcSql : `(${utcSql} + ${fixed})`;
    this.rowLevel(zone as string, aggregate);
    return this.let(utcSql, false, (t) => `(${t} + ${this.lookup(zone as string, t)})`);
  }

  /** UTC seconds of the wall-clock time `localSql` in `zone` (two lookups, as around DST changes). */
  utc(zone: string | undefined, localSql: string, aggregate: boolean): string {
    const fixed = fixedOffset(zone);
    if (fixed !== undefined) return fixed === 0 ? localSql : `(${localSql} - ${fixed})`;
    const z = zone as string;
    this.rowLevel(z, aggregate);
    return this.let(localSql, false, (l) => this.let(`(${l} - ${this.lookup(z, l)})`, false, (guess) => `(${l} - ${this.lookup(z, guess)})`));
  }

  /**
   * Evaluates `valueSql` once and hands `body` a name for it, so a body that needs its argument
   * several times does not copy (and re-evaluate) it. An `aggregate` value is copied instead:
   * inside a scalar subquery it would aggregate the subquery's one row, not the group.
   */
  let(valueSql: string, aggregate: boolean, body: (ref: string) => string): string {
    if (aggregate) return body(`(${valueSql})`);
    if (/^(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?|\?\d+|-?\d+(?:\.\d+)?|\(timestamp_ms \/ 1000\))$/.test(valueSql)) {
      return body(valueSql);
    }
    const ref = `__v${++this.lets}`;
    return `(SELECT ${body(ref)} FROM (SELECT ${valueSql} AS ${ref}${NO_FLATTEN}))`;
  }

  /**
   * The statement with only the parameters it uses, renumbered ?1..?n. A string literal gets its
   * placeholder when compiled, but some literals never reach the SQL (a time-zone argument, a
   * date string parsed while compiling), and SQLite refuses bindings it has no placeholder for.
   * Only compiler-made SQL is scanned: every `?N` in it is a placeholder (user text is never in it).
   */
  finish(sql: string): { sql: string; params: SqlParam[] } {
    const renumbered = new Map<number, number>();
    const params: SqlParam[] = [];
    const text = sql.replace(/\?(\d+)/g, (_match, digits: string) => {
      const old = Number(digits);
      let index = renumbered.get(old);
      if (index === undefined) {
        params.push(this.params[old - 1] as SqlParam);
        index = params.length;
        renumbered.set(old, index);
      }
      return `?${index}`;
    });
    if (params.length > this.limits.maxBoundParameters) {
      throw new AeSqlError("limit", `the query needs ${params.length} distinct literal values; the local emulator binds at most ${this.limits.maxBoundParameters}`);
    }
    return { sql: text, params };
  }

  /** A fresh number for compiler-made names (`__m3_idx`), unique within the statement. */
  fresh(): number {
    return ++this.lets;
  }

  /** The WITH clause defining the offset tables used, or "". */
  withClause(): string {
    if (this.zones.size === 0) return "";
    const ctes = [...this.zones].map(
      ([zone, name]) =>
        `${name}(s, o) AS MATERIALIZED (SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(${this.param(JSON.stringify(offsetTable(zone)))}))`,
    );
    return `WITH ${ctes.join(", ")} `;
  }
}
