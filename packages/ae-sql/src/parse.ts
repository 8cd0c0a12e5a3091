import type { AeFormat, BinaryOp, Expr, FromClause, IntervalUnit, OrderItem, SelectItem, SelectQuery, Statement } from "./ast.ts";
import { AeSqlError, unsupported } from "./errors.ts";
import { AE_SQL_LIMITS, type AeSqlLimits } from "./limits.ts";
import { type Token, tokenize } from "./tokenize.ts";

const FORMATS: readonly AeFormat[] = ["JSON", "JSONEachRow", "TabSeparated"];
const INTERVAL_UNITS: readonly IntervalUnit[] = ["SECOND", "MINUTE", "HOUR", "DAY", "MONTH", "YEAR"];
const EXTRACT_FUNCTIONS: Readonly<Record<IntervalUnit, string>> = {
  YEAR: "toYear",
  MONTH: "toMonth",
  DAY: "toDayOfMonth",
  HOUR: "toHour",
  MINUTE: "toMinute",
  SECOND: "toSecond",
};

// Words that end an expression, so `expr word` is never read as an implicit alias.
const RESERVED = new Set(
  ("FROM WHERE GROUP HAVING ORDER LIMIT OFFSET FORMAT UNION INTERSECT EXCEPT JOIN INNER LEFT RIGHT FULL CROSS " +
    "OUTER ARRAY GLOBAL ANY ALL ASOF SEMI ANTI PASTE PREWHERE SETTINGS SAMPLE FINAL WINDOW QUALIFY AS ON USING " +
    "ASC DESC AND OR NOT IN LIKE ILIKE BETWEEN IS WITH INTO SELECT").split(" "),
);

const OTHER_STATEMENTS = new Set(
  ("INSERT DELETE UPDATE CREATE DROP ALTER TRUNCATE RENAME ATTACH DETACH OPTIMIZE GRANT REVOKE SET USE KILL " +
    "SYSTEM EXPLAIN DESCRIBE DESC EXISTS CHECK REPLACE UPSERT MERGE CALL VALUES").split(" "),
);

const JOIN_WORDS = new Set(["JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "OUTER", "ANY", "ASOF", "SEMI", "ANTI", "PASTE", "GLOBAL"]);

/**
 * Parses one Analytics Engine SQL statement. Refuses, with an {@link AeSqlError} naming the
 * construct, everything outside the documented dialect (JOIN, UNION, CASE WHEN, WITH, ...).
 * @example parse("SELECT count() FROM analytics_events").kind // "select"
 */
export function parse(text: string, limits: AeSqlLimits = AE_SQL_LIMITS): Statement {
  const bytes = new TextEncoder().encode(text).byteLength;
  if (bytes > limits.maxQueryBytes) {
    throw new AeSqlError("limit", `query is ${bytes} bytes; the maximum SQL statement length is ${limits.maxQueryBytes} bytes`);
  }
  const statement = new Parser(tokenize(text), limits).statement();
  if (statement.kind === "select") checkExpressionDepth(statement.query, limits.maxExpressionDepth);
  return statement;
}

class Parser {
  private i = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly limits: AeSqlLimits,
  ) {}

  statement(): Statement {
    const first = this.peek();
    let statement: Statement;
    if (this.isKeyword("SELECT")) {
      const query = this.select();
      const format = this.formatClause();
      statement = { kind: "select", query, format: format ?? "JSON", explicitFormat: format !== undefined };
    } else if (this.acceptKeyword("SHOW")) {
      const what = this.peekWord();
      if (what !== "TABLES" && what !== "TIMEZONES" && what !== "TIMEZONE") {
        throw unsupported(`SHOW ${this.describe(this.peek())} is not supported (the SQL API has SHOW TABLES, SHOW TIMEZONES and SHOW TIMEZONE)`, this.peek().pos);
      }
      this.i++;
      statement = { kind: "show", what, format: this.formatClause() ?? "JSON" };
    } else if (this.isKeyword("WITH")) {
      throw unsupported("WITH clauses (common table expressions) are not supported", first.pos);
    } else if (first.kind === "identifier" && !first.quoted && OTHER_STATEMENTS.has(first.text.toUpperCase())) {
      throw unsupported(`${first.text.toUpperCase()} statements are not supported: the SQL API only runs SELECT and SHOW`, first.pos);
    } else if (first.kind === "end") {
      throw new AeSqlError("syntax", "Syntax error: the query is empty", first.pos);
    } else {
      throw this.syntaxError("SELECT or SHOW");
    }
    this.acceptOperator(";");
    const rest = this.peek();
    if (rest.kind !== "end") {
      if (this.isKeyword("SELECT") || this.isKeyword("SHOW") || this.isKeyword("WITH")) {
        throw unsupported("multiple statements are not supported: send one statement per request", rest.pos);
      }
      if (this.isKeyword("UNION") || this.isKeyword("INTERSECT") || this.isKeyword("EXCEPT")) {
        throw unsupported(`${this.peekWord()} is not supported: queries operate on a single table`, rest.pos);
      }
      throw this.syntaxError("end of query");
    }
    return statement;
  }

  private formatClause(): AeFormat | undefined {
    if (!this.acceptKeyword("FORMAT")) return undefined;
    const token = this.peek();
    const format = token.kind === "identifier" ? FORMATS.find((f) => f === token.text) : undefined;
    if (format === undefined) {
      throw unsupported(`unknown format ${this.describe(token)} (supported: ${FORMATS.join(", ")})`, token.pos);
    }
    this.i++;
    return format;
  }

  private select(): SelectQuery {
    const pos = this.expectKeyword("SELECT").pos;
    const distinct = this.acceptKeyword("DISTINCT");
    if (distinct && this.isKeyword("ON")) throw unsupported("DISTINCT ON is not supported", this.peek().pos);
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptOperator(","));

    const query: SelectQuery = { distinct, items, groupBy: [], orderBy: [], pos };
    if (this.acceptKeyword("FROM")) query.from = this.fromClause();
    this.refuseJoin();
    for (const word of ["FINAL", "SAMPLE", "PREWHERE"]) {
      if (this.isKeyword(word)) throw unsupported(`${word} is not supported`, this.peek().pos);
    }
    if (this.acceptKeyword("WHERE")) query.where = this.expr();
    if (this.acceptKeyword("GROUP")) {
      this.expectKeyword("BY");
      do query.groupBy.push(this.expr());
      while (this.acceptOperator(","));
      if (this.isKeyword("WITH")) throw unsupported(`GROUP BY ... WITH ${this.peekWord(1)} is not supported`, this.peek().pos);
    }
    if (this.acceptKeyword("HAVING")) query.having = this.expr();
    if (this.isKeyword("WINDOW") || this.isKeyword("QUALIFY")) throw unsupported(`${this.peekWord()} is not supported`, this.peek().pos);
    if (this.acceptKeyword("ORDER")) {
      this.expectKeyword("BY");
      do query.orderBy.push(this.orderItem());
      while (this.acceptOperator(","));
    }
    if (this.acceptKeyword("LIMIT")) {
      const limitPos = this.peek().pos;
      query.limit = this.acceptKeyword("ALL") ? "ALL" : this.nonNegativeInteger("LIMIT");
      if (this.isOperator(",")) throw unsupported("LIMIT <offset>, <count> is not supported: use LIMIT <count> OFFSET <offset>", limitPos);
      if (this.isKeyword("BY")) throw unsupported("LIMIT ... BY is not supported", this.peek().pos);
      if (this.isKeyword("WITH")) throw unsupported("LIMIT ... WITH TIES is not supported", this.peek().pos);
    }
    if (this.acceptKeyword("OFFSET")) {
      query.offset = this.nonNegativeInteger("OFFSET");
      if (!this.acceptKeyword("ROWS")) this.acceptKeyword("ROW");
    }
    if (this.isKeyword("SETTINGS")) throw unsupported("SETTINGS is not supported", this.peek().pos);
    if (this.isKeyword("UNION") || this.isKeyword("INTERSECT") || this.isKeyword("EXCEPT")) {
      throw unsupported(`${this.peekWord()} is not supported: queries operate on a single table`, this.peek().pos);
    }
    return query;
  }

  private selectItem(): SelectItem {
    const token = this.peek();
    if (this.acceptOperator("*")) return { kind: "star", pos: token.pos };
    const expr = this.expr();
    return { kind: "expr", expr, alias: this.alias(), pos: token.pos };
  }

  /** `AS name`, or a bare name that is not a clause keyword (ClickHouse allows both). */
  private alias(): string | undefined {
    if (this.acceptKeyword("AS")) {
      const token = this.peek();
      if (token.kind !== "identifier") throw this.syntaxError("an alias after AS");
      this.i++;
      return token.text;
    }
    const token = this.peek();
    if (token.kind === "identifier" && (token.quoted || !RESERVED.has(token.text.toUpperCase()))) {
      this.i++;
      return token.text;
    }
    return undefined;
  }

  private fromClause(): FromClause {
    const token = this.peek();
    if (this.isOperator("(")) {
      if (!this.isKeyword("SELECT", 1)) throw this.syntaxError("a subquery (SELECT ...) after FROM (");
      this.enter();
      this.i++;
      const query = this.select();
      this.expectOperator(")");
      this.leave();
      this.alias();
      return { kind: "subquery", query, pos: token.pos };
    }
    if (token.kind !== "identifier" || (!token.quoted && RESERVED.has(token.text.toUpperCase()))) throw this.syntaxError("a table name after FROM");
    this.i++;
    if (this.isOperator(".")) throw unsupported(`database-qualified table names (${token.text}.${this.describe(this.peek(1))}) are not supported`, token.pos);
    if (this.isOperator("(")) throw unsupported(`table functions (${token.text}(...)) are not supported`, token.pos);
    this.refuseJoin();
    this.alias();
    return { kind: "table", name: token.text, pos: token.pos };
  }

  private refuseJoin(): void {
    const token = this.peek();
    if (this.isOperator(",")) throw unsupported("JOIN is not supported: queries operate on a single table (FROM a, b)", token.pos);
    if (token.kind !== "identifier" || token.quoted) return;
    const word = token.text.toUpperCase();
    if (word === "ARRAY" && this.peekWord(1) === "JOIN") throw unsupported("ARRAY JOIN is not supported", token.pos);
    if (JOIN_WORDS.has(word) && (word === "JOIN" || this.tokensAhead().some((t) => t === "JOIN"))) {
      throw unsupported("JOIN is not supported: queries operate on a single table", token.pos);
    }
  }

  /** The next few words (upper-cased), to tell `LEFT JOIN` from an alias called `left`. */
  private tokensAhead(): string[] {
    return this.tokens.slice(this.i, this.i + 4).map((t) => (t.kind === "identifier" && !t.quoted ? t.text.toUpperCase() : ""));
  }

  private orderItem(): OrderItem {
    const expr = this.expr();
    let descending = false;
    if (this.acceptKeyword("DESC") || this.acceptKeyword("DESCENDING")) descending = true;
    else if (!this.acceptKeyword("ASC")) this.acceptKeyword("ASCENDING");
    for (const word of ["NULLS", "COLLATE", "WITH"]) {
      if (this.isKeyword(word)) throw unsupported(`ORDER BY ... ${word} is not supported`, this.peek().pos);
    }
    return { expr, descending };
  }

  private nonNegativeInteger(clause: string): number {
    const token = this.peek();
    if (token.kind !== "number" || !/^\d+$/.test(token.text)) {
      throw new AeSqlError("syntax", `${clause} takes a non-negative integer literal; got ${this.describe(token)} at position ${token.pos}`, token.pos);
    }
    this.i++;
    const value = Number(token.text);
    if (!Number.isSafeInteger(value)) throw new AeSqlError("limit", `${clause} ${token.text} is out of range`, token.pos);
    return value;
  }

  // Expressions, lowest precedence first (ClickHouse: OR < AND < NOT < comparison < + - < * / % < unary -).

  expr(allowIn = true): Expr {
    let left = this.and(allowIn);
    while (this.isKeyword("OR")) {
      const pos = this.next().pos;
      left = { kind: "binary", op: "OR", left, right: this.and(allowIn), pos };
    }
    return left;
  }

  private and(allowIn: boolean): Expr {
    let left = this.not(allowIn);
    while (this.isKeyword("AND")) {
      const pos = this.next().pos;
      left = { kind: "binary", op: "AND", left, right: this.not(allowIn), pos };
    }
    return left;
  }

  private not(allowIn: boolean): Expr {
    if (this.isKeyword("NOT")) {
      const pos = this.next().pos;
      return { kind: "unary", op: "NOT", operand: this.not(allowIn), pos };
    }
    return this.comparison(allowIn);
  }

  private comparison(allowIn: boolean): Expr {
    let left = this.additive();
    for (;;) {
      const token = this.peek();
      if (token.kind === "operator" && ["=", "==", "!=", "<>", "<", ">", "<=", ">="].includes(token.text)) {
        this.i++;
        const op = (token.text === "==" ? "=" : token.text === "<>" ? "!=" : token.text) as BinaryOp;
        left = { kind: "binary", op, left, right: this.additive(), pos: token.pos };
        continue;
      }
      if (this.isKeyword("IS")) throw unsupported("IS [NOT] NULL is not supported: Analytics Engine columns are never NULL", token.pos);
      if (this.isKeyword("GLOBAL")) throw unsupported("GLOBAL IN is not supported", token.pos);
      const negated = this.isKeyword("NOT") && ["IN", "BETWEEN", "LIKE", "ILIKE"].includes(this.peekWord(1));
      const word = this.peekWord(negated ? 1 : 0);
      if (word === "IN" && !allowIn && !negated) return left;
      if (word === "IN") {
        this.i += negated ? 2 : 1;
        left = { kind: "in", operand: left, list: this.inList(), negated, pos: token.pos };
      } else if (word === "BETWEEN") {
        this.i += negated ? 2 : 1;
        const low = this.additive();
        this.expectKeyword("AND");
        left = { kind: "between", operand: left, low, high: this.additive(), negated, pos: token.pos };
      } else if (word === "LIKE" || word === "ILIKE") {
        this.i += negated ? 2 : 1;
        left = { kind: "like", operand: left, pattern: this.additive(), caseInsensitive: word === "ILIKE", negated, pos: token.pos };
      } else {
        return left;
      }
    }
  }

  private inList(): Expr[] {
    const open = this.peek();
    if (!this.isOperator("(")) {
      throw unsupported(`IN takes a parenthesised list of values; got ${this.describe(open)} at position ${open.pos}`, open.pos);
    }
    if (this.isKeyword("SELECT", 1)) throw unsupported("IN (SELECT ...) subqueries are not supported", open.pos);
    this.enter();
    this.i++;
    const list: Expr[] = [];
    if (!this.isOperator(")")) {
      do list.push(this.expr());
      while (this.acceptOperator(","));
    }
    this.expectOperator(")");
    this.leave();
    if (list.length === 0) throw new AeSqlError("syntax", `Syntax error: empty IN list at position ${open.pos}`, open.pos);
    return list;
  }

  private additive(): Expr {
    let left = this.multiplicative();
    for (;;) {
      const token = this.peek();
      if (this.isOperator("||")) throw unsupported("the || operator is not supported (use format())", token.pos);
      if (!this.isOperator("+") && !this.isOperator("-")) return left;
      this.i++;
      left = { kind: "binary", op: token.kind === "operator" && token.text === "+" ? "+" : "-", left, right: this.multiplicative(), pos: token.pos };
    }
  }

  private multiplicative(): Expr {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      if (token.kind !== "operator" || !["*", "/", "%"].includes(token.text)) return left;
      this.i++;
      left = { kind: "binary", op: token.text as BinaryOp, left, right: this.unary(), pos: token.pos };
    }
  }

  private unary(): Expr {
    const token = this.peek();
    if (this.acceptOperator("-")) {
      const literal = this.peek().kind === "number";
      const operand = this.unary();
      // ClickHouse reads `-42` as one negative literal (typed Int8); `-(42)` is negate(42) (Int16).
      if (literal && operand.kind === "number" && !operand.negative) return { ...operand, negative: true, pos: token.pos };
      return { kind: "unary", op: "-", operand, pos: token.pos };
    }
    if (this.isOperator("+")) throw unsupported("unary + is not supported", token.pos);
    const expr = this.primary();
    const after = this.peek();
    if (after.kind === "operator") {
      if (after.text === "::") throw unsupported("the :: cast operator is not supported (use toUInt8/toUInt32/toDateTime)", after.pos);
      if (after.text === "[") throw unsupported("array subscripts are not supported", after.pos);
      if (after.text === "?") throw unsupported("the ?: conditional operator is not supported (use if())", after.pos);
      if (after.text === "->") throw unsupported("lambda expressions are not supported", after.pos);
    }
    return expr;
  }

  private primary(): Expr {
    const token = this.peek();
    switch (token.kind) {
      case "number":
        this.i++;
        return { kind: "number", text: token.text, isInteger: /^\d+$/.test(token.text), negative: false, pos: token.pos };
      case "string":
        this.i++;
        return { kind: "string", value: token.value, pos: token.pos };
      case "operator":
        if (token.text === "(") {
          if (this.isKeyword("SELECT", 1)) throw unsupported("subqueries are only supported in FROM", token.pos);
          this.enter();
          this.i++;
          const inner = this.expr();
          if (this.isOperator(",")) throw unsupported("tuples are not supported", token.pos);
          this.expectOperator(")");
          this.leave();
          return inner;
        }
        if (token.text === "[") throw unsupported("array literals are not supported", token.pos);
        if (token.text === "{") throw unsupported("query parameters ({name:Type}) are not supported", token.pos);
        throw this.syntaxError("an expression");
      case "identifier":
        return this.identifierExpr(token);
      case "end":
        throw this.syntaxError("an expression");
    }
  }

  private identifierExpr(token: Extract<Token, { kind: "identifier" }>): Expr {
    const word = token.quoted ? "" : token.text.toUpperCase();
    if (!token.quoted) {
      if (word === "TRUE" || word === "FALSE") {
        this.i++;
        return { kind: "boolean", value: word === "TRUE", pos: token.pos };
      }
      if (word === "NULL") throw unsupported("NULL is not supported: Analytics Engine columns are never NULL", token.pos);
      if (word === "CASE") throw unsupported("unsupported expression type: CASE WHEN (use if(condition, then, else))", token.pos);
      if (word === "INTERVAL" && (this.peek(1).kind === "string" || this.peek(1).kind === "number" || this.isOperator("-", 1))) {
        return this.interval();
      }
      if (word === "EXISTS" && this.isOperator("(", 1)) throw unsupported("EXISTS subqueries are not supported", token.pos);
      if (word === "CAST" && this.isOperator("(", 1)) throw unsupported("CAST is not supported (use toUInt8, toUInt32 or toDateTime)", token.pos);
    }
    this.i++;
    if (!token.quoted && this.isOperator("(")) return this.call(token);
    if (this.acceptOperator(".")) {
      const column = this.peek();
      if (column.kind === "operator" && column.text === "*") throw unsupported(`${token.text}.* is not supported`, token.pos);
      if (column.kind !== "identifier") throw this.syntaxError("a column name after '.'");
      this.i++;
      return { kind: "identifier", name: column.text, qualifier: token.text, pos: token.pos };
    }
    return { kind: "identifier", name: token.text, pos: token.pos };
  }

  private interval(): Expr {
    const pos = this.next().pos;
    const amountToken = this.next();
    let amountText: string;
    let unitText: string | undefined;
    if (amountToken.kind === "string") {
      // `INTERVAL '1' DAY` (the documented form) and ClickHouse's `INTERVAL '1 day'`.
      const match = /^\s*(-?\d+)\s*(?:\s([A-Za-z]+)\s*)?$/.exec(amountToken.value);
      if (match === null) throw new AeSqlError("syntax", `INTERVAL takes an integer count; got '${amountToken.value}' at position ${amountToken.pos}`, amountToken.pos);
      amountText = match[1] as string;
      unitText = match[2];
    } else if (amountToken.kind === "operator" && amountToken.text === "-") {
      const digits = this.next();
      if (digits.kind !== "number" || !/^\d+$/.test(digits.text)) throw this.syntaxError("an integer after INTERVAL -");
      amountText = `-${digits.text}`;
    } else if (amountToken.kind === "number" && /^\d+$/.test(amountToken.text)) {
      amountText = amountToken.text;
    } else {
      throw new AeSqlError("syntax", `INTERVAL takes an integer count at position ${amountToken.pos}`, amountToken.pos);
    }
    if (unitText === undefined) {
      const unitToken = this.peek();
      if (unitToken.kind !== "identifier" || unitToken.quoted) throw this.syntaxError("an interval unit (SECOND, MINUTE, HOUR, DAY, MONTH, YEAR)");
      this.i++;
      unitText = unitToken.text;
    }
    const unit = INTERVAL_UNITS.find((u) => u === unitText?.toUpperCase());
    if (unit === undefined) throw unsupported(`INTERVAL unit ${unitText} is not supported (units: ${INTERVAL_UNITS.join(", ")})`, pos);
    const amount = Number(amountText);
    if (!Number.isSafeInteger(amount)) throw new AeSqlError("limit", `INTERVAL ${amountText} is out of range`, pos);
    return { kind: "interval", amount, amountText, unit, pos };
  }

  private call(nameToken: Extract<Token, { kind: "identifier" }>): Expr {
    const name = nameToken.text;
    const pos = nameToken.pos;
    const lower = name.toLowerCase();
    this.enter();
    this.expectOperator("(");
    let result: Expr;
    if (lower === "extract") {
      const unitToken = this.next();
      const unit = unitToken.kind === "identifier" ? INTERVAL_UNITS.find((u) => u === unitToken.text.toUpperCase()) : undefined;
      if (unit === undefined) throw unsupported(`extract(${this.describe(unitToken)} FROM ...) is not supported (parts: ${INTERVAL_UNITS.join(", ")})`, unitToken.pos);
      this.expectKeyword("FROM");
      // ClickHouse rewrites extract(YEAR FROM x) to toYear(x); the column is named after that.
      result = { kind: "call", name: EXTRACT_FUNCTIONS[unit], args: [this.expr()], distinct: false, pos };
    } else if (lower === "position") {
      const first = this.expr(false);
      if (this.acceptKeyword("IN")) {
        // SQL-standard position(needle IN haystack) is ClickHouse position(haystack, needle).
        result = { kind: "call", name, args: [this.expr(), first], distinct: false, pos };
      } else {
        const args = [first];
        while (this.acceptOperator(",")) args.push(this.expr());
        result = { kind: "call", name, args, distinct: false, pos };
      }
    } else {
      const { args, distinct } = this.arguments();
      result = { kind: "call", name, args, distinct, pos };
    }
    this.expectOperator(")");
    this.leave();
    if (this.isOperator("(")) {
      // Parametric aggregate: quantileExactWeighted(0.5)(x, w), topK(10)(x).
      if (result.kind !== "call" || result.distinct) throw this.syntaxError("a function call");
      this.enter();
      this.i++;
      const { args, distinct } = this.arguments();
      this.expectOperator(")");
      this.leave();
      result = { kind: "call", name, params: result.args, args, distinct, pos };
    }
    if (this.isKeyword("OVER")) throw unsupported("window functions (OVER) are not supported", this.peek().pos);
    if (this.isKeyword("FILTER")) throw unsupported("FILTER (WHERE ...) is not supported (use countIf/sumIf/avgIf)", this.peek().pos);
    return result;
  }

  private arguments(): { args: Expr[]; distinct: boolean } {
    const distinct = this.acceptKeyword("DISTINCT");
    const args: Expr[] = [];
    if (this.isOperator(")")) return { args, distinct };
    do {
      const token = this.peek();
      if (this.isOperator("*") && (this.isOperator(")", 1) || this.isOperator(",", 1))) {
        this.i++;
        args.push({ kind: "star", pos: token.pos });
      } else {
        args.push(this.expr());
      }
    } while (this.acceptOperator(","));
    return { args, distinct };
  }

  // Token helpers.

  private enter(): void {
    this.depth++;
    if (this.depth > this.limits.maxNestingDepth) {
      const pos = this.peek().pos;
      throw new AeSqlError("limit", `the query nests brackets more than ${this.limits.maxNestingDepth} deep (at position ${pos})`, pos);
    }
  }

  private leave(): void {
    this.depth--;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.i++;
    return token;
  }

  private peekWord(ahead = 0): string {
    const token = this.peek(ahead);
    return token.kind === "identifier" && !token.quoted ? token.text.toUpperCase() : "";
  }

  private isKeyword(word: string, ahead = 0): boolean {
    return this.peekWord(ahead) === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.i++;
    return true;
  }

  private expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) throw this.syntaxError(word);
    return this.next();
  }

  private isOperator(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === "operator" && token.text === text;
  }

  private acceptOperator(text: string): boolean {
    if (!this.isOperator(text)) return false;
    this.i++;
    return true;
  }

  private expectOperator(text: string): void {
    if (!this.acceptOperator(text)) throw this.syntaxError(`'${text}'`);
  }

  private describe(token: Token): string {
    switch (token.kind) {
      case "identifier":
        return token.quoted ? `"${token.text}"` : token.text;
      case "string":
        return `'${token.value}'`;
      case "number":
      case "operator":
        return token.text;
      case "end":
        return "end of query";
    }
  }

  private syntaxError(expected: string): AeSqlError {
    const token = this.peek();
    return new AeSqlError("syntax", `Syntax error at position ${token.pos}: expected ${expected}, got ${this.describe(token)}`, token.pos);
  }
}

/** Refuses expression trees deeper than `max` (long operator chains included). */
function checkExpressionDepth(query: SelectQuery, max: number): void {
  const depth = (expr: Expr, level: number): void => {
    if (level > max) throw new AeSqlError("limit", `an expression is nested more than ${max} levels deep (at position ${expr.pos})`, expr.pos);
    for (const child of children(expr)) depth(child, level + 1);
  };
  const visit = (q: SelectQuery): void => {
    for (const item of q.items) if (item.kind === "expr") depth(item.expr, 1);
    for (const e of [q.where, q.having, ...q.groupBy, ...q.orderBy.map((o) => o.expr)]) if (e !== undefined) depth(e, 1);
    if (q.from?.kind === "subquery") visit(q.from.query);
  };
  visit(query);
}

/** The direct sub-expressions of an expression. */
export function children(expr: Expr): Expr[] {
  switch (expr.kind) {
    case "call":
      return [...(expr.params ?? []), ...expr.args];
    case "unary":
      return [expr.operand];
    case "binary":
      return [expr.left, expr.right];
    case "in":
      return [expr.operand, ...expr.list];
    case "between":
      return [expr.operand, expr.low, expr.high];
    case "like":
      return [expr.operand, expr.pattern];
    default:
      return [];
  }
}
