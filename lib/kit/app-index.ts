import { ApiObject, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

type Type<T> = abstract new (...args: any[]) => T;

const INDEXES = new WeakMap<IConstruct, AppIndex>();

/** Namespaces every cluster has. */
export const CLUSTER_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/**
 * Marks constructs that declare namespaces the cluster has already (ExistingNamespaces): the index reads them by
 * this mark, so that it depends on no construct of a layer above it.
 */
export const DECLARES_NAMESPACES = Symbol.for('cdk8s-interlok-scaling.DeclaresNamespaces');

/** A construct that declares namespaces the cluster has already. */
export interface INamespaceDeclaration extends IConstruct {
  readonly names: string[];
}

function declaresNamespaces(c: IConstruct): c is INamespaceDeclaration {
  return (c as any)[DECLARES_NAMESPACES] === true;
}

// a distinct cache key per predicate name
const WHERE_KEYS = new Map<string, Type<unknown>>();

/**
 * What rules spanning constructs read, gathered in one walk of the app per synthesis instead of one walk per
 * construct. The app's root validates first in every synthesis, and resets the index there: constructs added
 * between two syntheses are seen.
 */
export class AppIndex {
  /** The index of the app `scope` belongs to; the first call also registers the app-wide object checks. */
  public static of(scope: IConstruct): AppIndex {
    const root = scope.node.root;
    let index = INDEXES.get(root);
    if (!index) {
      index = new AppIndex(root);
      INDEXES.set(root, index);
      // on a chart, so that the message carries a path
      const chart = Chart.isChart(scope) ? scope : tryChartOf(scope);
      (chart ?? root).node.addValidation({ validate: () => index!.duplicateObjects() });
    }
    return index;
  }

  private all?: IConstruct[];
  private readonly byType = new Map<Type<unknown>, unknown[]>();
  private readonly memos = new Map<string, unknown>();

  private constructor(private readonly root: IConstruct) {
    root.node.addValidation({
      validate: () => {
        this.all = undefined;
        this.byType.clear();
        this.memos.clear();
        return [];
      },
    });
  }

  /** Every construct of the app of this type, in tree order. */
  public ofType<T>(type: Type<T>): T[] {
    let found = this.byType.get(type) as T[] | undefined;
    if (!found) {
      this.all ??= this.root.node.findAll();
      found = this.all.filter((c): c is IConstruct & T => c instanceof type);
      this.byType.set(type, found);
    }
    return found;
  }

  /**
   * A value derived from the app (a map from keys to constructs, say), computed once per synthesis: rules that
   * would otherwise search a list per construct look it up instead, and synthesis stays linear.
   */
  public memo<T>(key: string, compute: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, compute());
    return this.memos.get(key) as T;
  }

  /** Namespaces the app creates (Namespace objects) or declares as existing, and those every cluster has. */
  public knownNamespaces(): Set<string> {
    return this.memo(
      'namespaces',
      () =>
        new Set([
          ...CLUSTER_NAMESPACES,
          ...this.ofType(ApiObject)
            .filter((o) => o.kind === 'Namespace')
            .map((o) => o.name),
          ...this.where('namespace declarations', declaresNamespaces).flatMap((e) => e.names),
        ]),
    );
  }

  /** Every construct of the app that `test` accepts, cached under `key` for this synthesis. */
  public where<T extends IConstruct>(key: string, test: (c: IConstruct) => c is T): T[] {
    const cacheKey = WHERE_KEYS.get(key) ?? WHERE_KEYS.set(key, class {}).get(key)!;
    let found = this.byType.get(cacheKey) as T[] | undefined;
    if (!found) {
      this.all ??= this.root.node.findAll();
      found = this.all.filter(test);
      this.byType.set(cacheKey, found);
    }
    return found;
  }

  /**
   * Two objects of one kind, namespace and name, wherever they sit in the app, would overwrite each other on
   * apply (cluster-scoped ones such as APIServices and ClusterRoles included).
   */
  public duplicateObjects(): string[] {
    const seen = new Map<string, string>();
    const errors: string[] = [];
    for (const o of this.ofType(ApiObject)) {
      const key = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.name}`;
      const first = seen.get(key);
      if (first) errors.push(`${key} is defined twice (${first} and ${o.node.path}): ${advice(o.kind)}`);
      else seen.set(key, o.node.path);
    }
    return errors;
  }
}

function advice(kind: string): string {
  return kind === 'APIService'
    ? 'a cluster has one APIService of a name, so only one adapter may serve it: turn the adapter (or its externalMetrics) off in all but one stack and serve their rules from that one'
    : 'rename one';
}

function tryChartOf(scope: IConstruct): Chart | undefined {
  try {
    return Chart.of(scope);
  } catch {
    return undefined;
  }
}
