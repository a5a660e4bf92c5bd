import { IConstruct } from 'constructs';
import { DEFAULT_NAMES } from '../kit/monitoring-names';

/** Marks constructs that synthesize a pushgateway Service, so endpoints can be checked against them. */
export const PUSHGATEWAY_SERVICE = Symbol.for('cdk8s-interlok-scaling.PushgatewayService');

/** A pushgateway Service synthesized in this app. */
export interface IPushgatewayService extends IConstruct {
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
  /** Whether its NetworkPolicy (if any) lets pods with these labels in this namespace push. */
  admitsPusher(namespace: string, podLabels: Record<string, string>): boolean;
}

export function isPushgatewayService(c: IConstruct): c is IPushgatewayService {
  return (c as any)[PUSHGATEWAY_SERVICE] === true;
}

/**
 * Where Interlok pushes its metrics: a `host:port` (Interlok's `prometheusEndpointUrl` takes no scheme or path).
 */
export class PushgatewayEndpoint {
  /**
   * The guide's pushgateway, installed by the old `stable/prometheus` chart as release `prometheus` in `monitoring`.
   */
  public static readonly GUIDE_DEFAULT = new PushgatewayEndpoint(
    'prometheus-pushgateway.monitoring.svc.cluster.local:9091',
  );

  /** The pushgateway of a MonitoringStack with its default names (`MonitoringNames.ours()`). */
  public static readonly DEFAULT = new PushgatewayEndpoint(
    `${DEFAULT_NAMES.pushgateway}.${DEFAULT_NAMES.namespace}.svc:9091`,
    { name: DEFAULT_NAMES.pushgateway, namespace: DEFAULT_NAMES.namespace, port: 9091 },
  );

  /** Any pushgateway reachable from the Interlok pods, for example one your cluster already runs. */
  public static hostPort(hostPort: string): PushgatewayEndpoint {
    return new PushgatewayEndpoint(hostPort);
  }

  /** A pushgateway Service in the cluster, addressed as `<name>.<namespace>.svc:<port>`. */
  public static service(name: string, namespace: string, port: number): PushgatewayEndpoint {
    return new PushgatewayEndpoint(`${name}.${namespace}.svc:${port}`, { name, namespace, port });
  }

  private constructor(
    /** `host:port` as Interlok reads it. */
    public readonly hostPort: string,
    /** The Service this endpoint was made from, when it was. */
    public readonly service?: { readonly name: string; readonly namespace: string; readonly port: number },
  ) {}

  /** Whether this endpoint names the given Service (`svc`, `svc.ns`, `svc.ns.svc` or `svc.ns.svc.<domain>`). */
  public addresses(name: string, namespace: string, port: number, podNamespace: string): boolean {
    const [host, portText] = this.hostPort.split(':');
    if (Number(portText) !== port) return false;
    const parts = host.split('.');
    if (parts[0] !== name) return false;
    if (parts.length === 1) return podNamespace === namespace;
    return parts[1] === namespace && (parts.length === 2 || parts[2] === 'svc');
  }
}
