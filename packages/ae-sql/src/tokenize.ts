import { AeSqlError, unsupported } from "./errors.ts";

/** One lexical token; `pos` is the character offset of its first character. */
export type Token =
  /** A bare or quoted identifier; keywords are bare identifiers the parser recognises. */
  | { kind: "identifier"; text: string; quoted: boolean; pos: number }
  | { kind: "string"; value: string; pos: number }
  /** Source spelling of a number literal (`42`, `4.2`, `.5`, `1e-3`). */
  | { kind: "number"; text: string; pos: number }
  | { kind: "operator"; text: string; pos: number }
  | { kind: "end"; pos: number };

// Longest first, so `<=` wins over `<`. `||`, `->`, `::`, `?`, `:`, `[`, `]`, `{`, `}` are ClickHouse
// syntax Analytics Engine does not document: they are tokenised so the parser can name them.
const OPERATORS = ["<=", ">=", "<>", "!=", "==", "||", "->", "::", "(", ")", ",", ".", ";", "+", "-", "*", "/", "%", "=", "<", ">", "?", ":", "[", "]", "{", "}"];

// ClickHouse string escapes (https://clickhouse.com/docs/en/sql-reference/syntax#string): any
// other `\c` is `c`, which covers `\'` and `\\`.
const ESCAPES: Readonly<Record<string, string>> = { b: "\b", f: "\f", r: "\r", n: "\n", t: "\t", "0": "\0", a: "\x07", v: "\v" };

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";
const isIdentStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isIdentPart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);

/**
 * Splits SQL text into tokens, dropping whitespace and `--` / `/* *\/` comments.
 * @example tokenize("SELECT 'a\\'b' AS x").map((t) => t.kind) // identifier, string, identifier, identifier, end
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith("--", i)) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end + 1;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end === -1) throw new AeSqlError("syntax", `Syntax error: unterminated comment starting at position ${i}`, i);
      i = end + 2;
    } else if (c === "'") {
      const { value, end } = readQuoted(text, i, "'");
      tokens.push({ kind: "string", value, pos: i });
      i = end;
    } else if (c === '"' || c === "`") {
      const { value, end } = readQuoted(text, i, c);
      if (value === "") throw new AeSqlError("syntax", `Syntax error: empty quoted identifier at position ${i}`, i);
      tokens.push({ kind: "identifier", text: value, quoted: true, pos: i });
      i = end;
    } else if (isDigit(c) || (c === "." && isDigit(text[i + 1]))) {
      const match = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      const literal = (match as RegExpExecArray)[0];
      if (isIdentPart(text[i + literal.length])) {
        // `0x1F`, `1_000`, `12abc`: ClickHouse has some of these forms, the docs do not.
        const word = /^[A-Za-z0-9_$.]+/.exec(text.slice(i))?.[0] ?? literal;
        throw new AeSqlError("syntax", `Syntax error: unsupported number literal ${word} at position ${i}`, i);
      }
      tokens.push({ kind: "number", text: literal, pos: i });
      i += literal.length;
    } else if (isIdentStart(c)) {
      let end = i + 1;
      while (isIdentPart(text[end])) end++;
      tokens.push({ kind: "identifier", text: text.slice(i, end), quoted: false, pos: i });
      i = end;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (op === undefined) throw new AeSqlError("syntax", `Syntax error: unexpected character '${c}' at position ${i}`, i);
      tokens.push({ kind: "operator", text: op, pos: i });
      i += op.length;
    }
  }
  tokens.push({ kind: "end", pos: text.length });
  return tokens;
}

/** Reads a quoted string or identifier starting at `start`; a doubled quote is one quote. */
function readQuoted(text: string, start: number, quote: string): { value: string; end: number } {
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\\") {
      const next = text[i + 1];
      if (next === undefined) break;
      if (next === "x" && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 2, i + 4))) {
        const byte = Number.parseInt(text.slice(i + 2, i + 4), 16);
        // ClickHouse strings are bytes; a lone byte >= 0x80 is not a character JavaScript can hold.
        if (byte >= 0x80) throw unsupported(`the escape \\x${text.slice(i + 2, i + 4)} (a non-ASCII byte) is not supported`, i);
        value += String.fromCharCode(byte);
        i += 4;
      } else {
        value += ESCAPES[next] ?? next;
        i += 2;
      }
    } else if (c === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i += 2;
      } else {
        return { value, end: i + 1 };
      }
    } else {
      value += c;
      i++;
    }
  }
  const what = quote === "'" ? "string literal" : "quoted identifier";
  throw new AeSqlError("syntax", `Syntax error: unterminated ${what} starting at position ${start}`, start);
}
