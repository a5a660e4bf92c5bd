import { Construct } from 'constructs';
import { checkArray, checkHostPort, checkUrl, PropChecks } from '../kit/checks';
import { checkPropsIn, propsKeys } from '../kit/props';

export interface ExistingEndpointsProps {
  /**
   * Pushgateways (`host:port`) the cluster runs already, which a PrometheusServer of this app may scrape.
   * @default - none
   */
  readonly pushgateways?: string[];
  /**
   * Prometheus servers (URLs) the cluster runs already, which a PrometheusAdapter of this app may query.
   * @default - none
   */
  readonly prometheusUrls?: string[];
}

export const EXISTING_ENDPOINTS_PROPS = propsKeys<ExistingEndpointsProps>('ExistingEndpointsProps', {
  prometheusUrls: 1,
  pushgateways: 1,
});

/**
 * Declares servers the cluster runs already. A PrometheusServer scraping a pushgateway, or a PrometheusAdapter
 * querying a Prometheus, that this app neither synthesizes nor declares here fails synth: it would read nothing.
 * A MonitoringStack declares its `existingPushgateway`, `existingPrometheusUrl` and kube-prometheus-stack itself.
 */
export class ExistingEndpoints extends Construct {
  public readonly pushgateways: string[];
  public readonly prometheusUrls: string[];

  constructor(scope: Construct, id: string, props: ExistingEndpointsProps) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, EXISTING_ENDPOINTS_PROPS) ?? c.fail();
    const pushgateways = c.check(() => checkArray(this, 'pushgateways', props.pushgateways, 'host:port')) ?? [];
    pushgateways.forEach((h, i) => c.check(() => checkHostPort(this, `pushgateways[${i}]`, h)));
    const prometheusUrls = c.check(() => checkArray(this, 'prometheusUrls', props.prometheusUrls, 'URLs')) ?? [];
    prometheusUrls.forEach((u, i) => c.check(() => checkUrl(this, `prometheusUrls[${i}]`, u)));
    c.throwIfAny();
    this.pushgateways = pushgateways;
    this.prometheusUrls = prometheusUrls;
  }
}

/** `host:port` of an http(s) URL, the port defaulted by its scheme. */
export function hostPortOf(url: string): string {
  const m = /^(https?):\/\/([^/:?#\s]+)(?::(\d+))?/.exec(url);
  if (!m) return url;
  return `${m[2]}:${m[3] ?? (m[1] === 'https' ? '443' : '80')}`;
}

/**
 * A Service address in one spelling: `name`, `name.ns`, `name.ns.svc` and `name.ns.svc.<domain>` (with the port)
 * become `name.ns:port`; a bare name is taken in `namespace`. Other hosts stay as they are.
 */
export function serviceKey(hostPort: string, namespace?: string): string {
  const i = hostPort.lastIndexOf(':');
  const [host, port] = i < 0 ? [hostPort, ''] : [hostPort.slice(0, i), hostPort.slice(i + 1)];
  const parts = host.split('.');
  if (parts.length === 1) return namespace ? `${parts[0]}.${namespace}:${port}` : hostPort;
  if (parts.length === 2 || parts[2] === 'svc') return `${parts[0]}.${parts[1]}:${port}`;
  return hostPort;
}
