/** The names a monitoring stack's objects get, given together so that every address follows from one place. */
export interface MonitoringNamesProps {
  /** The namespace of the pushgateway, Prometheus and adapter. */
  readonly namespace: string;
  /** The pushgateway's Deployment and Service (and ServiceMonitor). */
  readonly pushgateway: string;
  /** Prometheus's ConfigMap, Deployment and Service. */
  readonly prometheus: string;
  /** The adapter's ServiceAccount, ConfigMap, Deployment, Service and PodDisruptionBudget. */
  readonly adapter: string;
  /**
   * Whether the namespace is this stack's to create (and so `kubectl delete -f dist/` to delete).
   * @default true
   */
  readonly createNamespace?: boolean;
}

/**
 * Names of the monitoring stack. By default they are names of our own, which no common chart renders: the
 * prometheus-community `prometheus`, `prometheus-pushgateway` and `prometheus-adapter` charts installed under their
 * default release names create exactly the guide's names (`monitoring/prometheus-server`, ...), and an apply of
 * ours would merge into them. `MonitoringNames.guide()` gives the guide's names on request (and 0.1.x's).
 */
export class MonitoringNames {
  /**
   * Ours: namespace `interlok-scaling`, objects `interlok-scaling-{pushgateway,prometheus,adapter}`; the namespace is
   * ours to create.
   */
  public static ours(): MonitoringNames {
    return new MonitoringNames({
      namespace: 'interlok-scaling',
      pushgateway: 'interlok-scaling-pushgateway',
      prometheus: 'interlok-scaling-prometheus',
      adapter: 'interlok-scaling-adapter',
      createNamespace: true,
    });
  }

  /**
   * The guide's addresses, which 0.1.x wrote: namespace `monitoring`, `prometheus-pushgateway`, `prometheus-server`,
   * `prometheus-adapter`. They are what the prometheus-community charts create, so run `preflight` before every
   * apply. `monitoring` is a namespace other charts share: it is not created (nor deleted) by this stack.
   */
  public static guide(): MonitoringNames {
    return new MonitoringNames({
      namespace: 'monitoring',
      pushgateway: 'prometheus-pushgateway',
      prometheus: 'prometheus-server',
      adapter: 'prometheus-adapter',
      createNamespace: false,
    });
  }

  /** Names of your choice. */
  public static of(props: MonitoringNamesProps): MonitoringNames {
    return new MonitoringNames({ createNamespace: true, ...props });
  }

  /** The namespace of the pushgateway, Prometheus and adapter. */
  public readonly namespace: string;
  /** The pushgateway's Deployment and Service. */
  public readonly pushgateway: string;
  /** Prometheus's ConfigMap, Deployment and Service. */
  public readonly prometheus: string;
  /** The adapter's ServiceAccount, ConfigMap, Deployment, Service and PodDisruptionBudget. */
  public readonly adapter: string;
  /** Whether the namespace is the stack's to create. */
  public readonly createNamespace: boolean;

  private constructor(props: MonitoringNamesProps) {
    this.namespace = props.namespace;
    this.pushgateway = props.pushgateway;
    this.prometheus = props.prometheus;
    this.adapter = props.adapter;
    this.createNamespace = props.createNamespace ?? true;
  }
}

/** The default names, the one source every default address (Interlok's pushgateway URL, the CLI's hints) follows. */
export const DEFAULT_NAMES = MonitoringNames.ours();
