/**
 * The slice of OData query syntax the stand-in answers: `$filter` with eq/ne/gt/ge/lt/le, and/or/not,
 * parentheses, `startswith(...)`, and lambda `any` over collections (`proxyAddresses/any(p:p eq 'x')`,
 * `singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')`), plus `$select`.
 * Names compare case-insensitively as Graph does; string values too (directory and Exchange both do).
 */

type Token = { kind: 'name' | 'string' | 'literal' | 'op' | 'punct'; text: string };

export type FilterExpr =
  | { kind: 'cmp'; op: string; left: Operand; right: Operand }
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; inner: FilterExpr }
  | { kind: 'any'; path: string[]; variable: string; body: FilterExpr | null }
  | { kind: 'call'; name: string; args: Operand[] };

type Operand = { kind: 'path'; path: string[] } | { kind: 'value'; value: string | number | boolean | null };

export class ODataError extends Error {}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ODataError('unterminated string literal');
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += text[i++];
      }
      tokens.push({ kind: 'string', text: s });
    } else if ('(),:'.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      const m = /^[^\s(),:']+(?::\d\d(?::\d\d(?:\.\d+)?)?Z?)?/.exec(text.slice(i));
      const word = m![0];
      i += word.length;
      const lower = word.toLowerCase();
      if (['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'and', 'or', 'not'].includes(lower)) {
        tokens.push({ kind: 'op', text: lower });
      } else if (/^(true|false|null|-?\d+(\.\d+)?|\d{4}-\d\d-\d\dT[\d:.]+Z?)$/i.test(word)) {
        tokens.push({ kind: 'literal', text: word });
      } else {
        tokens.push({ kind: 'name', text: word });
      }
    }
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterExpr {
    const e = this.or();
    if (this.pos < this.tokens.length) throw new ODataError(`unexpected "${this.tokens[this.pos]!.text}"`);
    return e;
  }
  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private take(text?: string): Token {
    const t = this.tokens[this.pos++];
    if (!t || (text !== undefined && t.text.toLowerCase() !== text)) {
      throw new ODataError(`expected ${text ?? 'a token'}`);
    }
    return t;
  }
  private or(): FilterExpr {
    let left = this.and();
    while (this.peek()?.text === 'or' && this.peek()?.kind === 'op') {
      this.take();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }
  private and(): FilterExpr {
    let left = this.unary();
    while (this.peek()?.text === 'and' && this.peek()?.kind === 'op') {
      this.take();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }
  private unary(): FilterExpr {
    const t = this.peek();
    if (t?.kind === 'op' && t.text === 'not') {
      this.take();
      return { kind: 'not', inner: this.unary() };
    }
    if (t?.kind === 'punct' && t.text === '(') {
      this.take();
      const e = this.or();
      this.take(')');
      return e;
    }
    const left = this.operandOrLambda();
    if ('kind' in left && (left.kind === 'any' || left.kind === 'call')) return left as FilterExpr;
    const op = this.take();
    if (op.kind !== 'op') throw new ODataError(`expected an operator after a name, got "${op.text}"`);
    return { kind: 'cmp', op: op.text, left: left as Operand, right: this.operand() };
  }
  private operandOrLambda(): Operand | FilterExpr {
    const t = this.take();
    if (t.kind === 'name') {
      const parts = t.text.split('/');
      const last = parts[parts.length - 1]!.toLowerCase();
      if (last === 'any' && this.peek()?.text === '(') {
        this.take('(');
        if (this.peek()?.text === ')') {
          this.take(')');
          return { kind: 'any', path: parts.slice(0, -1), variable: '', body: null };
        }
        const variable = this.take().text;
        this.take(':');
        const body = this.or();
        this.take(')');
        return { kind: 'any', path: parts.slice(0, -1), variable, body };
      }
      if (this.peek()?.text === '(') {
        this.take('(');
        const args: Operand[] = [this.operand()];
        while (this.peek()?.text === ',') {
          this.take(',');
          args.push(this.operand());
        }
        this.take(')');
        return { kind: 'call', name: t.text.toLowerCase(), args };
      }
      return { kind: 'path', path: parts };
    }
    return this.literal(t);
  }
  private operand(): Operand {
    const t = this.take();
    if (t.kind === 'name') return { kind: 'path', path: t.text.split('/') };
    return this.literal(t);
  }
  private literal(t: Token): Operand {
    if (t.kind === 'string') return { kind: 'value', value: t.text };
    if (t.kind !== 'literal') throw new ODataError(`unexpected "${t.text}"`);
    const lower = t.text.toLowerCase();
    if (lower === 'true' || lower === 'false') return { kind: 'value', value: lower === 'true' };
    if (lower === 'null') return { kind: 'value', value: null };
    if (/^-?\d/.test(t.text) && !t.text.includes('T')) return { kind: 'value', value: Number(t.text) };
    return { kind: 'value', value: t.text };
  }
}

export function parseFilter(text: string): FilterExpr {
  return new Parser(tokenize(text)).parse();
}

type Scope = Record<string, unknown>;

function resolve(path: string[], item: unknown, scope: Scope): unknown {
  const head = path[0];
  const fromScope = head !== undefined && Object.prototype.hasOwnProperty.call(scope, head);
  let value: unknown = fromScope ? scope[head] : item;
  const rest = fromScope ? path.slice(1) : path;
  for (const part of rest) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = Object.keys(value).find((k) => k.toLowerCase() === part.toLowerCase());
    value = key === undefined ? undefined : (value as Record<string, unknown>)[key];
  }
  return value;
}

function valueOf(o: Operand, item: unknown, scope: Scope): unknown {
  return o.kind === 'value' ? o.value : resolve(o.path, item, scope);
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    const ta = Date.parse(a);
    const tb = Date.parse(b);
    const dates = /^\d{4}-/.test(a) && /^\d{4}-/.test(b) && !isNaN(ta) && !isNaN(tb);
    const c = dates ? Math.sign(ta - tb) : x < y ? -1 : x > y ? 1 : 0;
    return op === 'eq'
      ? c === 0
      : op === 'ne'
        ? c !== 0
        : op === 'gt'
          ? c > 0
          : op === 'ge'
            ? c >= 0
            : op === 'lt'
              ? c < 0
              : c <= 0;
  }
  if (op === 'eq') return (a ?? null) === (b ?? null);
  if (op === 'ne') return (a ?? null) !== (b ?? null);
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  return op === 'gt' ? a > b : op === 'ge' ? a >= b : op === 'lt' ? a < b : a <= b;
}

export function evaluate(e: FilterExpr, item: unknown, scope: Scope = {}): boolean {
  switch (e.kind) {
    case 'and':
      return evaluate(e.left, item, scope) && evaluate(e.right, item, scope);
    case 'or':
      return evaluate(e.left, item, scope) || evaluate(e.right, item, scope);
    case 'not':
      return !evaluate(e.inner, item, scope);
    case 'cmp':
      return compare(e.op, valueOf(e.left, item, scope), valueOf(e.right, item, scope));
    case 'call': {
      const [a, b] = e.args.map((x) => valueOf(x, item, scope));
      if (e.name === 'startswith') {
        return typeof a === 'string' && typeof b === 'string' && a.toLowerCase().startsWith(b.toLowerCase());
      }
      throw new ODataError(`function ${e.name} is not supported`);
    }
    case 'any': {
      const list = resolve(e.path, item, scope);
      if (!Array.isArray(list)) return false;
      if (!e.body) return list.length > 0;
      return list.some((x) => evaluate(e.body!, item, { ...scope, [e.variable]: x }));
    }
  }
}

/** Keeps `id` and the `$select`ed properties (case-insensitive), as Graph does. */
export function select<T extends Record<string, unknown>>(
  item: T,
  selectParam: string | null,
): Record<string, unknown> {
  if (!selectParam) return item;
  const wanted = new Set(selectParam.split(',').map((s) => s.trim().toLowerCase()));
  wanted.add('id');
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (wanted.has(k.toLowerCase()) || k.startsWith('@')) out[k] = v;
  return out;
}

function order(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return -1;
  if (b === undefined || b === null) return 1;
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() < b.toLowerCase() ? -1 : 1;
  return (a as number) < (b as number) ? -1 : 1;
}

/** `$orderby=start/dateTime desc,subject`: a stable sort by each path, nulls first, as OData orders. */
export function orderBy<T extends Record<string, unknown>>(items: T[], text: string | null): T[] {
  if (!text) return items;
  const keys = text.split(',').map((part) => {
    const [path, direction] = part.trim().split(/\s+/);
    return { path: path!.split('/'), desc: direction?.toLowerCase() === 'desc' };
  });
  return [...items].sort((a, b) => {
    for (const k of keys) {
      const c = order(resolve(k.path, a, {}), resolve(k.path, b, {}));
      if (c !== 0) return k.desc ? -c : c;
    }
    return 0;
  });
}
