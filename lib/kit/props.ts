import { IConstruct } from 'constructs';
import { propError, PropChecks } from './checks';
import { ValidationError } from '../core/errors';
import { editDistance, suggest } from '../core/suggest';

export { suggest };

/**
 * The own keys of the interface T (those not inherited from P), as a table the compiler checks against T: a key
 * missing from the table, or one T does not declare, is a type error, so the list cannot drift from the interface.
 */
export type KeyTable<T, P = object> = { readonly [K in Exclude<keyof T, keyof P>]-?: 1 };

/**
 * The keys of one Props interface, declared next to the interface (typed by it, with `propsKeys`): the constructs
 * reject any other key at runtime (JavaScript users and `npm run synth`, which does not type-check, would otherwise
 * see a typo silently ignored), and messages point a wrong key to the right one.
 */
export interface PropsKeys {
  /** The interface's name, as messages write it. */
  readonly name: string;
  /** Its own keys. */
  readonly keys: readonly string[];
  /** The interfaces whose keys it inherits. */
  readonly extends: readonly PropsKeys[];
  /** Names users bring from elsewhere (the guide's autoscaling/v2beta1 HPA, a sibling construct's prop). */
  readonly aliases: Readonly<Record<string, string>>;
  /** The blocks inside it (prop → its keys), for props given one level too high or low. */
  readonly nested: Readonly<Record<string, PropsKeys>>;
}

/** The key table of the interface T (own keys: those not inherited from P, whose tables `extends` lists). */
export function propsKeys<T, P = object>(
  name: string,
  table: KeyTable<T, P>,
  more: {
    readonly extends?: readonly PropsKeys[];
    readonly aliases?: Readonly<Record<string, string>>;
    readonly nested?: { readonly [K in keyof T]?: PropsKeys };
  } = {},
): PropsKeys {
  return {
    name,
    keys: Object.keys(table),
    extends: more.extends ?? [],
    aliases: more.aliases ?? {},
    nested: (more.nested ?? {}) as Record<string, PropsKeys>,
  };
}

/** Every key of the interface, inherited ones included. */
export function knownProps(of: PropsKeys): string[] {
  return [...new Set([...of.keys, ...of.extends.flatMap(knownProps)])].sort();
}

function aliases(of: PropsKeys): Record<string, string> {
  return Object.assign({}, ...of.extends.map(aliases), of.aliases);
}

function nested(of: PropsKeys): Record<string, PropsKeys> {
  return Object.assign({}, ...of.extends.map(nested), of.nested);
}

/** `hint` (one name, or names joined by " and "/" or ") with each name under `path`. */
const under = (path: string, hint: string) =>
  hint
    .split(/ (and|or) /)
    .map((w, i) => (i % 2 ? ` ${w} ` : `${path}.${w}`))
    .join('');

/**
 * Where `key` belongs in a block inside the interface `name` (`averageValue` on an Interlok of a fleet:
 * `autoscaler.averageValue`): the shallowest blocks that have it as a prop or alias (`exact`), or else a prop within
 * an edit distance of 2; several as "a or b".
 */
function nestedHint(key: string, of: PropsKeys, exact: boolean): string | undefined {
  let blocks = Object.entries(nested(of));
  for (let depth = 0; depth < 3 && blocks.length > 0; depth++) {
    const hits: Array<[string, number]> = blocks.flatMap(([path, iface]): Array<[string, number]> => {
      if (exact) {
        if (knownProps(iface).includes(key)) return [[`${path}.${key}`, 0]];
        const alias = aliases(iface);
        return Object.prototype.hasOwnProperty.call(alias, key) ? [[under(path, alias[key]), 0]] : [];
      }
      const near = suggest(key, knownProps(iface));
      return near === undefined ? [] : [[`${path}.${near}`, editDistance(key, near)]];
    });
    const best = Math.min(...hits.map(([, d]) => d));
    const found = [...new Set(hits.filter(([, d]) => d === best).map(([h]) => h))];
    if (found.length > 0) return found.join(' or ');
    blocks = blocks.flatMap(([path, iface]) =>
      Object.entries(nested(iface)).map(([p, i]) => [`${path}.${p}`, i] as [string, PropsKeys]),
    );
  }
  return undefined;
}

/**
 * Checks a props block: `undefined` is "not given" (returns `{}`), `null` (an empty key in a config file), an
 * array or a non-object is an error, and so is any key the interface (`of`) does not declare, with a did-you-mean.
 * `prop` is the user-facing name of the block ('' for a constructor's own props); messages name `prop.key`.
 */
export function checkProps<T extends object>(
  scope: IConstruct,
  prop: string,
  props: T | undefined | null,
  of: PropsKeys,
): T {
  const name = of.name;
  if (props === undefined) return {} as T;
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    throw propError(scope, prop || 'props', props, `${name}: an object, or leave it out`);
  }
  const known = knownProps(of);
  // every unknown key of the block at once, one line each (ValidationError.all)
  const errors: ValidationError[] = [];
  for (const key of Object.keys(props)) {
    if (known.includes(key)) continue;
    // a declared alias, then a prop of a block inside this one given at this level, then a typo here or inside
    const own = aliases(of);
    const hint = Object.prototype.hasOwnProperty.call(own, key)
      ? own[key]
      : (nestedHint(key, of, true) ?? suggest(key, known) ?? nestedHint(key, of, false));
    // a key that is no identifier (" ", "a.b") is written as JavaScript would index it
    const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
    const at = segment.startsWith('[') ? `${prop}${segment}` : prop ? `${prop}.${segment}` : segment;
    const meant = hint
      ?.split(/ (and|or) /)
      .map((w, i) => (i % 2 ? ` ${w} ` : JSON.stringify(w)))
      .join('');
    errors.push(
      propError(
        scope,
        at,
        (props as any)[key],
        `no such prop in ${name}${meant ? ` (did you mean ${meant}?)` : ` (known: ${known.join(', ')})`}`,
      ),
    );
  }
  if (errors.length > 0) throw ValidationError.all(errors);
  return props;
}

/**
 * checkProps for a PropChecks: an unknown key is reported with the call's other errors and the known keys are still
 * checked (the block is returned); a block that is no object is reported and undefined returned, as nothing in it
 * can be checked.
 */
export function checkPropsIn<T extends object>(
  checks: PropChecks,
  scope: IConstruct,
  prop: string,
  props: T | undefined | null,
  of: PropsKeys,
): T | undefined {
  const block = checks.check(() => checkProps(scope, prop, props, of));
  if (block !== undefined) return block;
  return props !== null && typeof props === 'object' && !Array.isArray(props) ? props : undefined;
}
