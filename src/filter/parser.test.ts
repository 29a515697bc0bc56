import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ScribaError } from "../errors.js";
import type { Expression } from "./ast.js";
import { maxNestingDepth, parseFilter } from "./parser.js";

/** A compact rendering of the tree: `(AND a=1 (OR b=2 c=3))`, strings quoted, wildcard stars as `*`. */
function show(expression: Expression): string {
  switch (expression.type) {
    case "and":
    case "or":
      return `(${expression.type.toUpperCase()} ${expression.operands.map(show).join(" ")})`;
    case "not":
      return `(NOT ${show(expression.operand)})`;
    case "restriction": {
      const member = expression.member.map((s) => (s.quoted ? JSON.stringify(s.name) : s.name)).join(".");
      const value = expression.value.quoted ? JSON.stringify(expression.value.text) : expression.value.text;
      return `${member}${expression.comparator}${value}`;
    }
  }
}

const parsed = (text: string) => show(parseFilter(text));

/** The message of the INVALID_ARGUMENT a filter raises. */
function errorOf(text: string): string {
  try {
    parseFilter(text);
  } catch (error) {
    assert.ok(error instanceof ScribaError, `expected a ScribaError, got ${String(error)}`);
    assert.equal(error.code, "INVALID_ARGUMENT");
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be refused`);
}

describe("parseFilter precedence", () => {
  test("OR binds tighter than AND", () => {
    assert.equal(parsed("a=1 AND b=2 OR c=3"), "(AND a=1 (OR b=2 c=3))");
  });

  test("OR binds tighter than AND on the left too", () => {
    assert.equal(parsed("a=1 OR b=2 AND c=3"), "(AND (OR a=1 b=2) c=3)");
  });

  test("a sequence of terms is an implicit AND whose factors may contain OR", () => {
    assert.equal(parsed("a=1 b=2 OR c=3"), "(AND a=1 (OR b=2 c=3))");
  });

  test("explicit AND joins sequences", () => {
    assert.equal(parsed("a=1 b=2 AND c=3"), "(AND (AND a=1 b=2) c=3)");
  });

  test("parentheses override precedence", () => {
    assert.equal(parsed("(a=1 AND b=2) OR c=3"), "(OR (AND a=1 b=2) c=3)");
  });

  test("chains of OR collect into one node", () => {
    assert.equal(parsed("a=1 OR b=2 OR c=3"), "(OR a=1 b=2 c=3)");
  });

  test("NOT negates only the simple term that follows it", () => {
    assert.equal(parsed("NOT a=1 AND b=2"), "(AND (NOT a=1) b=2)");
  });

  test("NOT may be followed directly by a parenthesis", () => {
    assert.equal(parsed("NOT(a=1 OR b=2)"), "(NOT (OR a=1 b=2))");
  });

  test("a minus sign negates the term it touches", () => {
    assert.equal(parsed("-a=1 b=2"), "(AND (NOT a=1) b=2)");
  });

  test("negations nest through parentheses", () => {
    assert.equal(parsed("NOT (-(a=1))"), "(NOT (NOT a=1))");
  });

  test("two negations in a row are refused, as the grammar allows one per term", () => {
    assert.equal(
      errorOf("NOT NOT a=1"),
      'invalid filter at column 5: expected a filter term after "NOT", found "NOT"; to negate twice write NOT (NOT …)',
    );
  });

  test("keywords are case-sensitive: lowercase or is a term, so it needs a comparator", () => {
    assert.match(errorOf("a=1 or b=2"), /column 8: .*after "or", found "b".*keywords only in capitals/);
  });
});

describe("parseFilter comparators and values", () => {
  for (const comparator of ["=", "!=", "<", "<=", ">", ">=", ":"]) {
    test(`the ${comparator} comparator is recognised with or without spaces`, () => {
      assert.equal(parsed(`a${comparator}1`), `a${comparator}1`);
      assert.equal(parsed(`a ${comparator} 1`), `a${comparator}1`);
    });
  }

  test("member paths join names with dots and may quote a segment", () => {
    assert.equal(parsed(`build.provenance.buildOptions."a.b c" = x`), `build.provenance.buildOptions."a.b c"=x`);
  });

  test("unquoted decimals and negative numbers are single values", () => {
    assert.equal(parsed("a >= 7.5 b > -1 c < -0.25"), "(AND a>=7.5 b>-1 c<-0.25)");
  });

  test("unquoted text may contain dashes and dots", () => {
    assert.equal(parsed("noteProjectId = goog-analysis x = gcr.io"), "(AND noteProjectId=goog-analysis x=gcr.io)");
  });

  test("double- and single-quoted strings decode their escapes", () => {
    const tree = parseFilter(String.raw`a = "x \"y\" \\ \n \u00e9" b = 'it\'s'`);
    assert.equal(tree.type, "and");
    const [first, second] = tree.type === "and" ? tree.operands : [];
    assert.equal(first?.type === "restriction" ? first.value.text : "", 'x "y" \\ \n é');
    assert.equal(second?.type === "restriction" ? second.value.text : "", "it's");
  });

  test("a quoted string keeps spaces, colons and keywords as text", () => {
    assert.equal(parsed(`a = "x AND y: (z)"`), `a="x AND y: (z)"`);
  });

  test("unescaped stars are recorded as wildcard candidates and escaped ones are not", () => {
    const tree = parseFilter(String.raw`a = "*lit\*eral*"`);
    assert.equal(tree.type, "restriction");
    if (tree.type === "restriction") {
      assert.equal(tree.value.text, "*lit*eral*");
      assert.deepEqual(tree.value.stars, [0, 9]);
    }
  });

  test("a bare star after : is a value", () => {
    assert.equal(parsed("a:*"), "a:*");
  });

  test("a backslash in unquoted text makes the next character literal", () => {
    const tree = parseFilter(String.raw`a = x\:y\*`);
    assert.equal(tree.type === "restriction" ? tree.value.text : "", "x:y*");
    assert.deepEqual(tree.type === "restriction" ? tree.value.stars : [1], []);
  });

  test("an escaped keyword is an ordinary value", () => {
    assert.equal(parsed(String.raw`a = \AND`), "a=AND");
  });
});

describe("parseFilter errors name the column and what was expected", () => {
  test("a missing value", () => {
    assert.equal(errorOf("kind = "), 'invalid filter at column 8: expected a value after "=", found the end of the filter');
  });

  test("a missing value in the middle of the filter, counted in characters", () => {
    assert.equal(errorOf(`name = "é😀" AND kind = AND x=1`), 'invalid filter at column 24: expected a value after "=", found "AND"');
  });

  test("an unterminated string points at its opening quote", () => {
    assert.equal(
      errorOf(`a = 1 AND b = "abc`),
      'invalid filter at column 15: expected a closing " for the string that starts here, found the end of the filter',
    );
  });

  test("an unknown escape", () => {
    assert.match(errorOf(String.raw`a = "x\d"`), /^invalid filter at column 7: unknown escape "\\\\d"/);
  });

  test("a bad \\u escape", () => {
    assert.match(errorOf(String.raw`a = "\u12"`), /^invalid filter at column 6: expected four hex digits after \\u/);
  });

  test("an unpaired surrogate made by an escape", () => {
    assert.match(errorOf(String.raw`a = "\ud800"`), /^invalid filter at column 5: .*not valid Unicode/);
  });

  test("a lone exclamation mark", () => {
    assert.equal(errorOf("a ! b"), 'invalid filter at column 3: expected "!=", found "!" followed by " "');
  });

  test("a bare global restriction", () => {
    assert.match(errorOf("kind = BUILD foo"), /^invalid filter at column 17: expected a comparator .* after "foo", found the end of the filter; a bare value without a field \(a global restriction\) is not supported$/);
  });

  test("a bare quoted string", () => {
    assert.match(errorOf(`"foo"`), /^invalid filter at column 6: .*global restriction/);
  });

  test("a function call as a restriction", () => {
    assert.equal(errorOf("hasPrefix(name, x)"), 'invalid filter at column 10: function calls are not supported, found "hasPrefix("');
  });

  test("a function call as a value", () => {
    assert.equal(errorOf("a = lower(x)"), 'invalid filter at column 10: function calls are not supported, found "lower("');
  });

  test("a parenthesized value list", () => {
    assert.match(errorOf("kind = (BUILD OR IMAGE)"), /^invalid filter at column 8: expected a value after "=", found "\("; a parenthesized list/);
  });

  test("an unclosed parenthesis names where it opened", () => {
    assert.equal(errorOf("x=1 AND (a=1 OR b=2"), 'invalid filter at column 20: expected ")" to close the "(" at column 9, found the end of the filter');
  });

  test("an unmatched closing parenthesis", () => {
    assert.equal(errorOf("a=1)"), 'invalid filter at column 4: found ")" without a matching "("');
  });

  test("empty parentheses", () => {
    assert.equal(errorOf("()"), 'invalid filter at column 2: expected a filter term after "(", found ")"');
  });

  test("AND at the start", () => {
    assert.equal(errorOf("AND a=1"), 'invalid filter at column 1: expected a filter term, found "AND"');
  });

  test("AND at the end", () => {
    assert.equal(errorOf("a=1 AND"), 'invalid filter at column 8: expected a filter term after "AND", found the end of the filter');
  });

  test("OR without a right-hand term", () => {
    assert.equal(errorOf("a=1 OR )"), 'invalid filter at column 8: expected a filter term after "OR", found ")"');
  });

  test("NOT without a term", () => {
    assert.equal(errorOf("NOT"), 'invalid filter at column 4: expected a filter term after "NOT", found the end of the filter');
  });

  test("a minus sign separated from its term", () => {
    assert.equal(errorOf("- a=1"), 'invalid filter at column 2: expected a filter term right after "-" (no space), found whitespace');
  });

  test("a dangling dot in a member", () => {
    assert.equal(errorOf("vulnerability. = 1"), 'invalid filter at column 15: expected a field name after ".", found whitespace');
  });

  test("a dangling dot in a value", () => {
    assert.equal(errorOf("a = 7. "), 'invalid filter at column 7: expected more of the value after ".", found whitespace');
  });

  test("a comparator where a term should start", () => {
    assert.equal(errorOf("a=1 = 2"), 'invalid filter at column 5: expected AND, OR, another filter term or the end of the filter, found "="');
  });

  test("two comparators in a row", () => {
    assert.equal(errorOf("a = = 1"), 'invalid filter at column 5: expected a value after "=", found "="');
  });

  test(`parentheses nested deeper than ${maxNestingDepth} levels`, () => {
    const ok = "(".repeat(maxNestingDepth) + "a=1" + ")".repeat(maxNestingDepth);
    assert.equal(parsed(ok), "a=1");
    const deep = "(".repeat(maxNestingDepth + 1) + "a=1" + ")".repeat(maxNestingDepth + 1);
    assert.equal(
      errorOf(deep),
      `invalid filter at column ${maxNestingDepth + 1}: the filter nests parentheses and negations more than ${maxNestingDepth} levels deep`,
    );
  });

  test("negations count towards the nesting limit", () => {
    const levels = maxNestingDepth / 2 + 1;
    assert.match(errorOf("NOT (".repeat(levels) + "a=1" + ")".repeat(levels)), /nests parentheses and negations more than/);
  });
});
