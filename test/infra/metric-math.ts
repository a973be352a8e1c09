/**
 * A small checker of CloudWatch metric-math expressions, for the infra tests: CloudFormation accepts
 * any string, and CloudWatch refuses a wrong one only when it creates the alarm, rolling the stack
 * back. It knows the operators and the functions CloudWatch documents ("Metric math syntax and
 * functions"), with the operand types each takes: a single time series, an array of time series, or a
 * scalar. What it enforces:
 * - an array (`[a, b]`) holds time series, never scalars: `MAX([m, 1])` is refused by CloudWatch;
 * - each function gets the operand types it accepts, and the right number of them;
 * - every identifier names another metric or expression of the same alarm or graph;
 * - an alarm's expression evaluates to exactly one time series.
 */

/** The type of a value in metric math. */
export type MathType = "scalar" | "series" | "array";

/** A token: a number, an identifier, a string literal, or an operator/punctuation. */
type Token = { kind: "number" | "ident" | "string" | "op"; text: string };

const OPERATORS = [
  "<=",
  ">=",
  "==",
  "!=",
  "&&",
  "||",
  "+",
  "-",
  "*",
  "/",
  "^",
  "<",
  ">",
  "(",
  ")",
  "[",
  "]",
  ",",
];

function tokenize(expression: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expression.length) {
    const rest = expression.slice(i);
    const space = /^\s+/.exec(rest);
    const number = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(rest);
    const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    const string = /^"[^"]*"|^'[^']*'/.exec(rest);
    const op = OPERATORS.find((candidate) => rest.startsWith(candidate));
    const [kind, text] = space
      ? ["space", space[0]]
      : number
        ? ["number", number[0]]
        : ident
          ? ["ident", ident[0]]
          : string
            ? ["string", string[0]]
            : op
              ? ["op", op]
              : [undefined, ""];
    if (kind === undefined) throw new Error(`unexpected character "${rest[0]}" at ${i}`);
    if (kind !== "space") tokens.push({ kind: kind as Token["kind"], text });
    i += text.length;
  }
  return tokens;
}

/** An operand as a function sees it: a typed value, or a bare keyword such as `REPEAT`. */
type Operand = { type: MathType } | { keyword: string } | { text: string };

type Signature = (args: Operand[]) => MathType;

const typeOf = (operand: Operand): MathType | undefined => ("type" in operand ? operand.type : undefined);

function expect(args: Operand[], count: [number, number], name: string): void {
  if (args.length < count[0] || args.length > count[1]) {
    throw new Error(`${name} takes ${count[0]}-${count[1]} arguments, got ${args.length}`);
  }
}

/** A function of one series or array that keeps the shape (ABS, RATE, ...). */
const sameShape =
  (name: string, allowScalar = false): Signature =>
  (args) => {
    expect(args, [1, 1], name);
    const type = typeOf(args[0] as Operand);
    if (type === "series" || type === "array" || (allowScalar && type === "scalar")) return type;
    throw new Error(`${name} takes a time series or an array of time series`);
  };

/** MAX, MIN, SUM, AVG, STDDEV: a series gives a scalar; an array gives one series (point by point). */
const aggregate =
  (name: string): Signature =>
  (args) => {
    expect(args, [1, 1], name);
    const type = typeOf(args[0] as Operand);
    if (type === "series") return "scalar";
    if (type === "array") return "series";
    throw new Error(`${name} takes a time series or an array of time series, not a ${type ?? "keyword"}`);
  };

/** The functions CloudWatch documents for metric math, with the operand types each accepts. */
const FUNCTIONS: Record<string, Signature> = {
  ABS: sameShape("ABS", true),
  CEIL: sameShape("CEIL", true),
  FLOOR: sameShape("FLOOR", true),
  LOG: sameShape("LOG", true),
  LOG10: sameShape("LOG10", true),
  AVG: aggregate("AVG"),
  MAX: aggregate("MAX"),
  MIN: aggregate("MIN"),
  SUM: aggregate("SUM"),
  STDDEV: aggregate("STDDEV"),
  RATE: sameShape("RATE"),
  DIFF: sameShape("DIFF"),
  DIFF_TIME: sameShape("DIFF_TIME"),
  RUNNING_SUM: sameShape("RUNNING_SUM"),
  DATAPOINT_COUNT: (args) => {
    expect(args, [1, 1], "DATAPOINT_COUNT");
    if (typeOf(args[0] as Operand) !== "series") throw new Error("DATAPOINT_COUNT takes a time series");
    return "scalar";
  },
  PERIOD: (args) => {
    expect(args, [1, 1], "PERIOD");
    if (typeOf(args[0] as Operand) !== "series") throw new Error("PERIOD takes a time series");
    return "scalar";
  },
  FILL: (args) => {
    expect(args, [2, 2], "FILL");
    const [target, value] = args as [Operand, Operand];
    const type = typeOf(target);
    if (type !== "series" && type !== "array") throw new Error("FILL fills a time series or an array");
    const keyword = "keyword" in value ? value.keyword : undefined;
    const valueType = typeOf(value);
    if (!(keyword === "REPEAT" || keyword === "LINEAR" || valueType === "scalar" || valueType === "series")) {
      throw new Error("FILL takes a scalar, a time series, REPEAT or LINEAR as its value");
    }
    return type;
  },
  IF: (args) => {
    expect(args, [2, 3], "IF");
    const [condition, ...branches] = args as Operand[];
    if (typeOf(condition as Operand) !== "series") throw new Error("IF takes a time series condition");
    for (const branch of branches) {
      const type = typeOf(branch);
      if (type !== "series" && type !== "scalar") throw new Error("IF branches are time series or scalars");
    }
    return "series";
  },
  FIRST: (args) => {
    expect(args, [1, 1], "FIRST");
    if (typeOf(args[0] as Operand) !== "array") throw new Error("FIRST takes an array of time series");
    return "series";
  },
  LAST: (args) => {
    expect(args, [1, 1], "LAST");
    if (typeOf(args[0] as Operand) !== "array") throw new Error("LAST takes an array of time series");
    return "series";
  },
  METRICS: (args) => {
    expect(args, [0, 1], "METRICS");
    if (args[0] && !("text" in args[0])) throw new Error("METRICS takes an optional string filter");
    return "array";
  },
  REMOVE_EMPTY: (args) => {
    expect(args, [1, 1], "REMOVE_EMPTY");
    if (typeOf(args[0] as Operand) !== "array") throw new Error("REMOVE_EMPTY takes an array");
    return "array";
  },
  TIME_SERIES: (args) => {
    expect(args, [1, 1], "TIME_SERIES");
    if (typeOf(args[0] as Operand) !== "scalar") throw new Error("TIME_SERIES takes a scalar");
    return "series";
  },
};

const KEYWORDS = new Set(["REPEAT", "LINEAR"]);
const COMPARISONS = new Set(["<", ">", "<=", ">=", "==", "!="]);

/** Arithmetic and comparison between two operands: an array meets scalars only. */
function combine(left: MathType, right: MathType, op: string): MathType {
  if (left === "scalar" && right === "scalar") return "scalar";
  if (left === "array" || right === "array") {
    if (left === "series" || right === "series" || (left === "array" && right === "array")) {
      throw new Error(`"${op}" cannot combine an array of time series with a time series or an array`);
    }
    return "array";
  }
  return "series";
}

/**
 * The type of `expression`; `ids` gives the type of every identifier it may reference (the other
 * metrics and expressions of the same alarm or graph). Throws, saying why, where CloudWatch would
 * refuse it.
 */
export function typeOfExpression(expression: string, ids: ReadonlyMap<string, MathType>): MathType {
  const tokens = tokenize(expression);
  let at = 0;
  const peek = () => tokens[at];
  const take = (text?: string) => {
    const token = tokens[at];
    if (!token || (text !== undefined && token.text !== text)) {
      throw new Error(`expected ${text ?? "a token"} at token ${at} of "${expression}"`);
    }
    at++;
    return token;
  };
  const isOp = (...texts: string[]) => {
    const token = peek();
    return (
      token !== undefined && (token.kind === "op" || token.kind === "ident") && texts.includes(token.text)
    );
  };

  const operand = (): Operand => {
    const token = peek();
    if (token?.kind === "ident" && KEYWORDS.has(token.text) && tokens[at + 1]?.text !== "(") {
      at++;
      return { keyword: token.text };
    }
    if (token?.kind === "string") {
      at++;
      return { text: token.text };
    }
    return { type: logical() };
  };

  const primary = (): MathType => {
    const token = take();
    if (token.kind === "number") return "scalar";
    if (token.text === "(") {
      const inner = logical();
      take(")");
      return inner;
    }
    if (token.text === "[") {
      const elements: MathType[] = [];
      if (!isOp("]")) {
        do elements.push(logical());
        while (isOp(",") && take(","));
      }
      take("]");
      for (const element of elements) {
        if (element === "scalar") throw new Error("an array holds time series, never a scalar");
      }
      return "array";
    }
    if (token.kind === "ident" && peek()?.text === "(") {
      const fn = FUNCTIONS[token.text];
      if (!fn) throw new Error(`unknown function ${token.text}`);
      take("(");
      const args: Operand[] = [];
      if (!isOp(")")) {
        do args.push(operand());
        while (isOp(",") && take(","));
      }
      take(")");
      return fn(args);
    }
    if (token.kind === "ident") {
      const type = ids.get(token.text);
      if (!type) throw new Error(`unknown id "${token.text}"`);
      return type;
    }
    throw new Error(`unexpected "${token.text}"`);
  };

  const unary = (): MathType => {
    if (isOp("-")) {
      take("-");
      return unary();
    }
    if (isOp("NOT")) {
      take("NOT");
      return unary();
    }
    return primary();
  };
  const binary = (next: () => MathType, ops: string[]) => (): MathType => {
    let left = next();
    while (isOp(...ops)) {
      const op = take().text;
      left = combine(left, next(), op);
    }
    return left;
  };
  const power = binary(unary, ["^"]);
  const product = binary(power, ["*", "/"]);
  const sum = binary(product, ["+", "-"]);
  const comparison = (): MathType => {
    const left = sum();
    const token = peek();
    if (token && COMPARISONS.has(token.text)) {
      at++;
      return combine(left, sum(), token.text);
    }
    return left;
  };
  const conjunction = binary(comparison, ["AND", "&&"]);
  const logical = binary(conjunction, ["OR", "||"]);

  const result = logical();
  if (at !== tokens.length) throw new Error(`unexpected "${tokens[at]?.text}" in "${expression}"`);
  return result;
}

/** One entry of an alarm's `Metrics` (AWS::CloudWatch::Alarm MetricDataQuery). */
export interface MetricQuery {
  Id: string;
  Expression?: string;
  MetricStat?: unknown;
}

/**
 * Checks the expressions of one alarm's `Metrics`: each typed against the others, and the one the
 * alarm reads (the only one returning data) must be one time series. Returns the problems found.
 */
export function alarmExpressionProblems(queries: readonly MetricQuery[]): string[] {
  const problems: string[] = [];
  const ids = new Map<string, MathType>();
  for (const query of queries) if (query.MetricStat) ids.set(query.Id, "series");
  for (const query of queries) {
    if (query.Expression === undefined) continue;
    try {
      const type = typeOfExpression(query.Expression, ids);
      ids.set(query.Id, type);
      if (type !== "series")
        problems.push(`"${query.Expression}" gives a ${type}, an alarm needs one time series`);
    } catch (error) {
      problems.push(`"${query.Expression}": ${(error as Error).message}`);
    }
  }
  return problems;
}
