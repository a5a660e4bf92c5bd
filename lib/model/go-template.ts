/**
 * The part of Go's `text/template` that prometheus-adapter v0.12 rule templates can use: it parses a rule's
 * `metricsQuery` as `template.New("metrics-query").Delims("<<", ">>").Parse(...)` does (no extra functions: the
 * adapter registers none, so `join`, `replace`... are refused when it loads its config), with `<<-`/`->>` trim
 * markers, comments, fields, string/number literals, pipelines and the builtins that print. Control structures
 * (`if`, `range`, `with`, variables) are not modelled: such a template is reported as not modelled, never guessed.
 */

/** The adapter refuses the template when it loads its config (it does not start). */
export class TemplateParseError extends Error {}
/** The template parses, but executing it fails: the adapter's query for the request fails. */
export class TemplateExecError extends Error {}
/** Valid Go, but outside what this model evaluates. */
export class TemplateNotModelled extends Error {}

// text/template's builtins (funcs.go); anything else is "function %q not defined" at parse time
const BUILTINS = new Set([
  'and',
  'call',
  'html',
  'index',
  'slice',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'urlquery',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ne',
]);
const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const SPACE = /[ \t\r\n]/;

type Node = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Command[]; line: number; source: string };
type Operand =
  | { kind: 'field'; path: string[] } // [] is the dot itself
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'func'; name: string }
  | { kind: 'pipe'; pipeline: Command[] };
type Command = Operand[];

/** A parsed template: `execute` renders it for one request. */
export class GoTemplate {
  /** Parses as the adapter does when it loads its config; throws TemplateParseError with Go's message. */
  public static parse(name: string, text: string): GoTemplate {
    return new GoTemplate(name, parseNodes(name, text));
  }

  private constructor(
    private readonly name: string,
    private readonly nodes: Node[],
  ) {}

  public execute(data: Record<string, unknown>): string {
    let out = '';
    for (const n of this.nodes) {
      if (n.kind === 'text') {
        out += n.text;
        continue;
      }
      const v = evalPipeline(
        n.pipeline,
        data,
        (msg) =>
          new TemplateExecError(`template: ${this.name}:${n.line}: executing "${this.name}" at <${n.source}>: ${msg}`),
      );
      out += printValue(v);
    }
    return out;
  }
}

function parseNodes(name: string, text: string): Node[] {
  const nodes: Node[] = [];
  const fail = (line: number, msg: string) => new TemplateParseError(`template: ${name}:${line}: ${msg}`);
  let i = 0;
  let trimNext = false;
  const lineAt = (pos: number) => text.slice(0, pos).split('\n').length;
  while (i <= text.length) {
    const start = text.indexOf('<<', i);
    let chunk = start < 0 ? text.slice(i) : text.slice(i, start);
    if (trimNext) chunk = chunk.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    if (start < 0) {
      if (chunk) nodes.push({ kind: 'text', text: chunk });
      break;
    }
    let p = start + 2;
    // "<<- " trims the text before; the dash must be followed by a space ("<<-3>>" is the number -3)
    if (text[p] === '-' && SPACE.test(text[p + 1] ?? '')) {
      chunk = chunk.replace(/[ \t\r\n]+$/, '');
      p += 2;
    }
    if (chunk) nodes.push({ kind: 'text', text: chunk });
    const line = lineAt(start);
    // the action runs to the first ">>" outside a quoted string
    let q = p;
    let end = -1;
    while (q < text.length) {
      const c = text[q];
      if (c === '"' || c === '`' || c === "'") {
        const close = c;
        q++;
        while (q < text.length && text[q] !== close) {
          if (close !== '`' && text[q] === '\\') q++;
          if (close !== '`' && text[q] === '\n') throw fail(line, 'unterminated quoted string');
          q++;
        }
        if (q >= text.length)
          throw fail(line, close === '`' ? 'unterminated raw quoted string' : 'unterminated quoted string');
        q++;
        continue;
      }
      if (text.startsWith('>>', q)) {
        end = q;
        break;
      }
      q++;
    }
    if (end < 0) throw fail(line, 'unclosed action');
    let body = text.slice(p, end);
    if (/[ \t\r\n]-$/.test(body)) {
      body = body.slice(0, -1);
      trimNext = true;
    }
    i = end + 2;
    const trimmed = body.trim();
    if (trimmed.startsWith('/*')) {
      if (!trimmed.endsWith('*/')) throw fail(line, 'unclosed comment');
      continue;
    }
    if (trimmed === '') throw fail(line, 'missing value for command');
    const tokens = tokenize(trimmed, (msg) => fail(line, msg));
    const first = tokens[0];
    if (first && first.type === 'ident' && KEYWORDS.has(first.text)) {
      if (['else', 'end', 'break', 'continue'].includes(first.text)) throw fail(line, `unexpected {{${first.text}}}`);
      throw new TemplateNotModelled(`template action <<${trimmed}>> (${first.text}) is valid Go but not modelled`);
    }
    if (tokens.some((t) => t.type === 'var'))
      throw new TemplateNotModelled(`template variables in <<${trimmed}>> are not modelled`);
    const parser = new TokenParser(tokens, (msg) => fail(line, msg));
    const pipeline = parser.pipeline();
    if (!parser.done()) throw fail(line, `unexpected ${parser.peek()!.text} in command`);
    nodes.push({ kind: 'action', pipeline, line, source: trimmed });
  }
  return nodes;
}

interface Token {
  readonly type: 'field' | 'string' | 'number' | 'ident' | 'pipe' | 'lparen' | 'rparen' | 'var';
  readonly text: string;
  readonly value?: string;
}

function tokenize(s: string, fail: (msg: string) => Error): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (SPACE.test(c)) {
      i++;
      continue;
    }
    if (c === '|') {
      tokens.push({ type: 'pipe', text: c });
      i++;
      continue;
    }
    if (c === '(') {
      tokens.push({ type: 'lparen', text: c });
      i++;
      continue;
    }
    if (c === ')') {
      tokens.push({ type: 'rparen', text: c });
      i++;
      continue;
    }
    if (c === '"' || c === '`') {
      let j = i + 1;
      while (s[j] !== c) j += c === '"' && s[j] === '\\' ? 2 : 1;
      const raw = s.slice(i, j + 1);
      tokens.push({ type: 'string', text: raw, value: c === '`' ? raw.slice(1, -1) : unquoteGo(raw, fail) });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      throw new TemplateNotModelled('character constants are not modelled');
    }
    const m = /^(\$[\w]*|\.(?:[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?|[+-]?\d[\w.+-]*|[A-Za-z_]\w*)/.exec(s.slice(i));
    if (!m) throw fail(`unexpected "${c}" in command`);
    const text = m[1]!;
    if (text.startsWith('$')) tokens.push({ type: 'var', text });
    else if (text.startsWith('.')) tokens.push({ type: 'field', text });
    else if (/^[+-]?\d/.test(text)) tokens.push({ type: 'number', text });
    else tokens.push({ type: 'ident', text });
    i += text.length;
  }
  return tokens;
}

function unquoteGo(raw: string, fail: (msg: string) => Error): string {
  try {
    // Go's interpreted string literals are JSON's plus \a \b \f \v \x.. \ooo, which rules do not need
    return JSON.parse(raw);
  } catch {
    throw fail(`invalid syntax: ${raw}`);
  }
}

class TokenParser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly fail: (msg: string) => Error,
  ) {}
  public done() {
    return this.i >= this.tokens.length;
  }
  public peek() {
    return this.tokens[this.i];
  }

  public pipeline(): Command[] {
    const cmds: Command[] = [this.command()];
    while (this.peek()?.type === 'pipe') {
      this.i++;
      cmds.push(this.command());
    }
    return cmds;
  }

  private command(): Command {
    const ops: Operand[] = [];
    for (let t = this.peek(); t && t.type !== 'pipe' && t.type !== 'rparen'; t = this.peek()) {
      this.i++;
      switch (t.type) {
        case 'field':
          ops.push({ kind: 'field', path: t.text === '.' ? [] : t.text.slice(1).split('.') });
          break;
        case 'string':
          ops.push({ kind: 'string', value: t.value! });
          break;
        case 'number': {
          const n = Number(t.text);
          if (!Number.isFinite(n)) throw this.fail(`bad number syntax: "${t.text}"`);
          ops.push({ kind: 'number', value: n });
          break;
        }
        case 'ident':
          if (t.text === 'true' || t.text === 'false') ops.push({ kind: 'bool', value: t.text === 'true' });
          else if (t.text === 'nil') throw this.fail('nil is not a command');
          else if (!BUILTINS.has(t.text)) throw this.fail(`function "${t.text}" not defined`);
          else ops.push({ kind: 'func', name: t.text });
          break;
        case 'lparen': {
          const inner = this.pipeline();
          if (this.peek()?.type !== 'rparen') throw this.fail('unclosed left paren');
          this.i++;
          ops.push({ kind: 'pipe', pipeline: inner });
          break;
        }
        default:
          throw this.fail(`unexpected ${t.text} in command`);
      }
    }
    if (ops.length === 0) throw this.fail('missing value for command');
    return ops;
  }
}

type Fail = (msg: string) => Error;

function evalPipeline(pipeline: Command[], data: unknown, fail: Fail): unknown {
  let prev: unknown;
  let has = false;
  for (const cmd of pipeline) {
    prev = evalCommand(cmd, data, has ? [prev] : [], fail);
    has = true;
  }
  return prev;
}

function evalCommand(cmd: Command, data: unknown, piped: unknown[], fail: Fail): unknown {
  const [head, ...rest] = cmd;
  if (head!.kind === 'func') {
    const args = [...rest.map((o) => evalOperand(o, data, fail)), ...piped];
    return callBuiltin(head!.name, args, fail);
  }
  if (rest.length > 0 || piped.length > 0) {
    if (head!.kind === 'field') throw fail(`${head!.path.join('.')} is not a method but has arguments`);
    throw fail(`can't give argument to non-function ${describe(head!)}`);
  }
  return evalOperand(head!, data, fail);
}

function describe(o: Operand): string {
  return o.kind === 'string'
    ? JSON.stringify(o.value)
    : o.kind === 'number' || o.kind === 'bool'
      ? String(o.value)
      : o.kind;
}

function evalOperand(o: Operand, data: unknown, fail: Fail): unknown {
  switch (o.kind) {
    case 'string':
    case 'number':
    case 'bool':
      return o.value;
    case 'pipe':
      return evalPipeline(o.pipeline, data, fail);
    case 'func':
      return callBuiltin(o.name, [], fail);
    case 'field': {
      let v: unknown = data;
      for (const name of o.path) {
        if (v instanceof GoMap) v = v.get(name);
        else if (v && typeof v === 'object' && !Array.isArray(v)) {
          if (!Object.prototype.hasOwnProperty.call(v, name))
            throw fail(`can't evaluate field ${name} in type naming.queryTemplateArgs`);
          v = (v as Record<string, unknown>)[name];
        } else throw fail(`can't evaluate field ${name} in type ${goType(v)}`);
      }
      return v;
    }
  }
}

/** A Go map[string]string: printed with sorted keys, a missing key read as a field prints "<no value>". */
export class GoMap {
  constructor(public readonly entries: Record<string, string>) {}
  public get(key: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.entries, key) ? this.entries[key] : NO_VALUE;
  }
}

const NO_VALUE = Symbol('no value');

function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return '[]string';
  if (v instanceof GoMap) return 'map[string]string';
  return typeof v;
}

function callBuiltin(name: string, args: unknown[], fail: Fail): unknown {
  switch (name) {
    case 'index': {
      if (args.length === 0) throw fail('wrong number of args for index: want at least 1 got 0');
      let v = args[0];
      for (const k of args.slice(1)) {
        if (v instanceof GoMap) {
          if (typeof k !== 'string') throw fail(`error calling index: value has type ${goType(k)}; should be string`);
          v = Object.prototype.hasOwnProperty.call(v.entries, k) ? v.entries[k] : ''; // index gives the zero value
        } else if (Array.isArray(v) || typeof v === 'string') {
          if (typeof k !== 'number' || !Number.isInteger(k))
            throw fail(`error calling index: cannot index slice/array with type ${goType(k)}`);
          if (k < 0 || k >= v.length) throw fail(`error calling index: index out of range: ${k}`);
          v = typeof v === 'string' ? v.charCodeAt(k) : v[k];
        } else {
          throw fail(`error calling index: can't index item of type ${goType(v)}`);
        }
      }
      return v;
    }
    case 'len': {
      if (args.length !== 1) throw fail(`wrong number of args for len: want 1 got ${args.length}`);
      const v = args[0];
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v instanceof GoMap) return Object.keys(v.entries).length;
      throw fail(`error calling len: len of type ${goType(v)}`);
    }
    case 'print':
      return goSprint(args);
    case 'println':
      return args.map(printValue).join(' ') + '\n';
    case 'printf': {
      if (typeof args[0] !== 'string') throw fail('wrong type for value; expected string');
      return goSprintf(args[0], args.slice(1));
    }
    default:
      throw new TemplateNotModelled(`the builtin function "${name}" is valid Go but not modelled`);
  }
}

/** fmt.Sprint: a space between operands when neither side is a string. */
function goSprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += printValue(a);
  });
  return out;
}

function goSprintf(format: string, args: unknown[]): string {
  let n = 0;
  const s = format.replace(/%([%svdq])/g, (_all, verb: string) => {
    if (verb === '%') return '%';
    if (n >= args.length) return `%!${verb}(MISSING)`;
    const a = args[n++];
    if (verb === 'q' && typeof a === 'string') return goQuote(a);
    if (verb === 'd' && typeof a !== 'number') return `%!d(${goType(a)}=${printValue(a)})`;
    return printValue(a);
  });
  return n < args.length
    ? `${s}%!(EXTRA ${args
        .slice(n)
        .map((a) => `${goType(a)}=${printValue(a)}`)
        .join(', ')})`
    : s;
}

/** Go's `%q` for the ASCII strings Kubernetes names and label values are made of. */
export function goQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/** How text/template prints a value (fmt's %v). */
function printValue(v: unknown): string {
  if (v === NO_VALUE || v === undefined) return '<no value>';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (v instanceof GoMap) {
    return `map[${Object.keys(v.entries)
      .sort()
      .map((k) => `${k}:${v.entries[k]}`)
      .join(' ')}]`;
  }
  if (v && typeof v === 'object') return '{...}';
  return String(v);
}
