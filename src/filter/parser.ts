/**
 * @module filter/parser
 *
 * A recursive-descent parser for the AIP-160 filter grammar (the EBNF is in
 * `filter/index.ts`). It only builds the syntax tree; what the names and
 * values mean is decided later by `filter/resolver.ts`.
 *
 * Function calls, composite values (`a = (x OR y)`) and bare global
 * restrictions (`foo` with no field and comparator) are part of AIP-160 but
 * not supported by Scriba; each is refused with its own explanation rather
 * than a generic syntax error.
 */
import type { Expression, MemberSegment, Restriction, Value } from "./ast.js";
import { columnAt, filterError } from "./filter-error.js";
import { describeToken, tokenize, type Comparator, type Token } from "./lexer.js";

/** Parentheses and negations nested deeper than this are refused (it bounds the recursion). */
export const maxNestingDepth = 32;

export function parseFilter(text: string): Expression {
  return new Parser(text, tokenize(text)).parseFilter();
}

class Parser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  parseFilter(): Expression {
    const expression = this.expression(0, undefined);
    const rest = this.peek();
    if (rest.type === ")") {
      throw this.error(rest, `found ")" without a matching "("`);
    }
    if (rest.type !== "end") {
      throw this.error(rest, `expected AND, OR, another filter term or the end of the filter, found ${this.describe(rest)}`);
    }
    return expression;
  }

  /** expression = sequence {WS "AND" WS sequence} */
  private expression(depth: number, after: Token | undefined): Expression {
    const operands = [this.sequence(depth, after)];
    while (this.isKeyword(this.peek(), "AND")) {
      const and = this.next();
      operands.push(this.sequence(depth, and));
    }
    return operands.length === 1 ? operands[0]! : { type: "and", operands };
  }

  /** sequence = factor {WS factor}: an implicit AND. */
  private sequence(depth: number, after: Token | undefined): Expression {
    const operands = [this.factor(depth, after)];
    while (this.startsTerm(this.peek())) operands.push(this.factor(depth, undefined));
    return operands.length === 1 ? operands[0]! : { type: "and", operands };
  }

  /** factor = term {WS "OR" WS term}: OR binds tighter than AND in AIP-160. */
  private factor(depth: number, after: Token | undefined): Expression {
    const operands = [this.term(depth, after)];
    while (this.isKeyword(this.peek(), "OR")) {
      const or = this.next();
      operands.push(this.term(depth, or));
    }
    return operands.length === 1 ? operands[0]! : { type: "or", operands };
  }

  /** term = ["NOT" WS | "-"] simple */
  private term(depth: number, after: Token | undefined): Expression {
    const token = this.peek();
    if (this.isKeyword(token, "NOT")) {
      this.next();
      this.checkDepth(depth + 1, token);
      return { type: "not", operand: this.simple(depth + 1, token) };
    }
    if (token.type === "-") {
      this.next();
      if (this.peek().spaceBefore) throw this.errorAfter(token, `expected a filter term right after "-" (no space)`);
      this.checkDepth(depth + 1, token);
      return { type: "not", operand: this.simple(depth + 1, token) };
    }
    return this.simple(depth, after);
  }

  /** simple = restriction | "(" expression ")" */
  private simple(depth: number, after: Token | undefined): Expression {
    const token = this.peek();
    if (token.type === "(") {
      this.next();
      this.checkDepth(depth + 1, token);
      const inner = this.expression(depth + 1, token);
      const close = this.peek();
      if (close.type !== ")") {
        throw this.error(close, `expected ")" to close the "(" at column ${this.columnOf(token)}, found ${this.describe(close)}`);
      }
      this.next();
      return inner;
    }
    const where = after === undefined ? "" : ` after ${this.describe(after)}`;
    if (this.isKeyword(token, "NOT") || token.type === "-") {
      // term = ["NOT" WS | "-"] simple: a second negation needs its own parentheses.
      throw this.error(token, `expected a filter term${where}, found ${this.describe(token)}; to negate twice write NOT (NOT …)`);
    }
    if ((token.type === "text" && !this.isKeyword(token, "AND") && !this.isKeyword(token, "OR")) || token.type === "string") {
      return this.restriction();
    }
    throw this.error(token, `expected a filter term${where}, found ${this.describe(token)}`);
  }

  /** restriction = comparable [comparator arg] — Scriba requires the comparator. */
  private restriction(): Restriction {
    const member = this.member();
    const token = this.peek();
    const memberText = this.text.slice(member[0]!.offset, token.offset).trimEnd();
    if (token.type === "(" && !token.spaceBefore) {
      throw this.error(token, `function calls are not supported, found ${JSON.stringify(memberText + "(")}`);
    }
    if (token.type !== "comparator") {
      const keyword = ["and", "or", "not", "And", "Or", "Not"].includes(memberText)
        ? `; AND, OR and NOT are keywords only in capitals`
        : "";
      throw this.error(
        token,
        `expected a comparator (=, !=, <, <=, >, >= or :) after ${JSON.stringify(memberText)}, found ${this.describe(token)}; ` +
          `a bare value without a field (a global restriction) is not supported${keyword}`,
      );
    }
    this.next();
    return {
      type: "restriction",
      member,
      comparator: token.value as Comparator,
      comparatorOffset: token.offset,
      value: this.value(token),
    };
  }

  /** member = name {"." name}; a name is unquoted text or a quoted string. */
  private member(): MemberSegment[] {
    const first = this.next();
    const segments: MemberSegment[] = [{ name: first.value, quoted: first.type === "string", offset: first.offset }];
    while (this.peek().type === "." && !this.peek().spaceBefore) {
      const dot = this.next();
      const name = this.peek();
      if ((name.type !== "text" && name.type !== "string") || name.spaceBefore) {
        throw this.errorAfter(dot, `expected a field name after ${this.describe(dot)}`);
      }
      this.next();
      segments.push({ name: name.value, quoted: name.type === "string", offset: name.offset });
    }
    return segments;
  }

  /** arg: a quoted string, or unquoted text such as `HIGH`, `7.5`, `-1`, `true`. */
  private value(comparator: Token): Value {
    const token = this.peek();
    const expected = `expected a value after ${this.describe(comparator)}`;
    if (token.type === "string") {
      this.next();
      return { text: token.value, quoted: true, offset: token.offset, stars: token.stars };
    }
    if (token.type === "(") {
      throw this.error(token, `${expected}, found "("; a parenthesized list of values is not supported (write a = x OR a = y)`);
    }
    let text = "";
    let stars: number[] = [];
    const offset = token.offset;
    if (token.type === "-") {
      this.next();
      text = "-";
      const digits = this.peek();
      if (digits.type !== "text" || digits.spaceBefore) throw this.errorAfter(token, `expected a number right after "-"`);
    } else if (token.type !== "text" || this.isKeyword(token, "AND") || this.isKeyword(token, "OR") || this.isKeyword(token, "NOT")) {
      throw this.error(token, `${expected}, found ${this.describe(token)}`);
    }
    // Unquoted text may contain dots (`7.5`, `gcr.io`); the pieces must touch.
    while (true) {
      const piece = this.next();
      stars = stars.concat(piece.stars.map((star) => star + text.length));
      text += piece.value;
      const dot = this.peek();
      if (dot.type !== "." || dot.spaceBefore) break;
      this.next();
      if (this.peek().type !== "text" || this.peek().spaceBefore) {
        throw this.errorAfter(dot, `expected more of the value after "."`);
      }
      text += ".";
    }
    const call = this.peek();
    if (call.type === "(" && !call.spaceBefore) {
      throw this.error(call, `function calls are not supported, found ${JSON.stringify(text + "(")}`);
    }
    return { text, quoted: false, offset, stars };
  }

  private startsTerm(token: Token): boolean {
    if (this.isKeyword(token, "AND") || this.isKeyword(token, "OR")) return false;
    return token.type === "text" || token.type === "string" || token.type === "(" || token.type === "-";
  }

  private isKeyword(token: Token, keyword: "AND" | "OR" | "NOT"): boolean {
    return token.type === "text" && !token.escaped && token.value === keyword;
  }

  private checkDepth(depth: number, token: Token): void {
    if (depth > maxNestingDepth) {
      throw this.error(token, `the filter nests parentheses and negations more than ${maxNestingDepth} levels deep`);
    }
  }

  private peek(): Token {
    return this.tokens[this.position] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const token = this.peek();
    if (this.position < this.tokens.length - 1) this.position++;
    return token;
  }

  private describe(token: Token): string {
    return describeToken(token, this.text);
  }

  private columnOf(token: Token): number {
    return columnAt(this.text, token.offset);
  }

  private error(token: Token, problem: string) {
    return filterError(this.text, token.offset, problem);
  }

  /** `<expected>, found …` about what follows `previous`: whitespace (pointing just past it) or the next token. */
  private errorAfter(previous: Token, expected: string) {
    const token = this.peek();
    if (token.spaceBefore) return filterError(this.text, previous.end, `${expected}, found whitespace`);
    return filterError(this.text, token.offset, `${expected}, found ${this.describe(token)}`);
  }
}
