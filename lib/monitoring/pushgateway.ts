import * as kplus from 'cdk8s-plus-27';
import { Size } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { AppIndex } from '../kit/app-index';
import { checkArray, checkDnsLabel, checkImage, checkResources, checkServiceName, PropChecks } from '../kit/checks';
import { emptyDirVolume, httpProbe, renderResources } from '../kit/pod';
import { imageVersion, recommendedLabels, selectorLabels } from '../kit/labels';
import { IPushgatewayService, PUSHGATEWAY_SERVICE, PushgatewayEndpoint } from './pushgateway-endpoint';
import { clusterIpService, singleContainerDeployment } from './_workload';
import { checkPeer, ingressPolicy, NetworkPeer, requirePeers } from './network-peer';
import { checkPropsIn, propsKeys } from '../kit/props';
import { DEFAULT_NAMES } from '../kit/monitoring-names';

export interface PushgatewayProps {
  /**
   * @default 'interlok-scaling' (MonitoringNames.ours())
   */
  readonly namespace?: string;
  /**
   * Name of the Deployment and Service (the guide's, `MonitoringNames.guide()`: `prometheus-pushgateway`).
   * @default 'interlok-scaling-pushgateway' (MonitoringNames.ours())
   */
  readonly name?: string;
  /**
   * @default 'quay.io/prometheus/pushgateway:v1.11.3'
   */
  readonly image?: string;
  /**
   * @default - requests cpu 50m / memory 64Mi, limits cpu 500m / memory 256Mi
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Pods that may push (more with `allowPushFrom`). Whoever can push can report any pod's metric and drive the
   * HPA to its maximum, so with a NetworkPolicy only these and the scrapers get in.
   * @default - none: synth fails until a pusher is allowed, unless networkPolicy is false
   */
  readonly allowPushFrom?: NetworkPeer[];
  /**
   * Pods that may scrape (more with `allowScrapeFrom`).
   * @default - none: synth fails until a scraper is allowed, unless networkPolicy is false
   */
  readonly allowScrapeFrom?: NetworkPeer[];
  /**
   * Admit only the allowed pushers and scrapers with a NetworkPolicy.
   * @default true
   */
  readonly networkPolicy?: boolean;
}

export const PUSHGATEWAY_PROPS = propsKeys<PushgatewayProps>(
  'PushgatewayProps',
  { allowPushFrom: 1, allowScrapeFrom: 1, image: 1, name: 1, namespace: 1, networkPolicy: 1, resources: 1 },
  { aliases: { networkPolicies: 'networkPolicy' } },
);

export const PUSHGATEWAY_PORT = 9091;

/**
 * A Prometheus pushgateway on 9091. Groups are persisted to an emptyDir, so they survive a container restart; a
 * new pod starts empty, and until Interlok pushes again (within 10 s under load) the HPA gets no metric and holds
 * its replica count.
 */
export class Pushgateway extends Construct implements IPushgatewayService {
  public readonly name: string;
  public readonly namespace: string;
  public readonly port = PUSHGATEWAY_PORT;
  public readonly podSelector: Record<string, string>;
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  private readonly pushers: NetworkPeer[] = [];
  private readonly networkPolicy: boolean;
  private readonly scrapers: NetworkPeer[] = [];
  /** @internal set by the MonitoringStack that built it: its props' path, which admission hints name */
  public _stackPath?: () => string;

  constructor(scope: Construct, id: string, props: PushgatewayProps = {}) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, PUSHGATEWAY_PROPS) ?? c.fail();
    Object.defineProperty(this, PUSHGATEWAY_SERVICE, { value: true });
    this.name = c.check(() => checkServiceName(this, 'name', props.name ?? DEFAULT_NAMES.pushgateway))!;
    this.namespace = c.check(() => checkDnsLabel(this, 'namespace', props.namespace ?? DEFAULT_NAMES.namespace))!;
    const image = c.check(() => checkImage(this, 'image', props.image ?? 'quay.io/prometheus/pushgateway:v1.11.3'))!;
    const resources =
      props.resources !== undefined
        ? c.check(() => checkResources(this, 'resources', props.resources!))!
        : {
            cpu: { request: kplus.Cpu.millis(50), limit: kplus.Cpu.millis(500) },
            memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) },
          };
    const pushers = c.check(() => checkArray(this, 'allowPushFrom', props.allowPushFrom, 'NetworkPeer')) ?? [];
    pushers.forEach((p) => c.check(() => this.allowPushFrom(p)));
    const scrapers = c.check(() => checkArray(this, 'allowScrapeFrom', props.allowScrapeFrom, 'NetworkPeer')) ?? [];
    scrapers.forEach((p) => c.check(() => this.allowScrapeFrom(p)));
    c.throwIfAny();
    const app = {
      name: 'prometheus-pushgateway',
      instance: this.name,
      component: 'metrics-gateway',
      version: imageVersion(image),
    };
    this.podSelector = selectorLabels(app);
    const labels = recommendedLabels(app);
    this.deployment = singleContainerDeployment(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      labels,
      selector: this.podSelector,
      uid: 65534,
      volumes: [emptyDirVolume('data', '256Mi')],
      container: {
        name: 'pushgateway',
        image,
        imagePullPolicy: 'IfNotPresent',
        // on the emptyDir: groups survive a container restart (a new pod still starts empty)
        args: [
          `--web.listen-address=:${PUSHGATEWAY_PORT}`,
          '--persistence.file=/data/pushgateway.data',
          '--persistence.interval=1m',
        ],
        ports: [{ name: 'http', containerPort: PUSHGATEWAY_PORT, protocol: 'TCP' }],
        readinessProbe: httpProbe('/-/ready', 'http', 10, 3),
        livenessProbe: httpProbe('/-/healthy', 'http', 20, 3),
        resources: renderResources(resources),
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      },
    });
    this.service = clusterIpService(this, 'Service', {
      name: this.name,
      namespace: this.namespace,
      labels,
      selector: this.podSelector,
      // No prometheus.io/probe annotation: a chart-installed Prometheus would discover this Service by it and
      // then show a target the NetworkPolicy blocks. Scrapers are named with allowScrapeFrom instead.
      port: PUSHGATEWAY_PORT,
      targetPort: 'http',
      portName: 'http',
    });
    this.networkPolicy = props.networkPolicy ?? true;
    if (this.networkPolicy) {
      ingressPolicy(this, 'NetworkPolicy', {
        name: this.name,
        namespace: this.namespace,
        labels,
        podSelector: this.podSelector,
        port: PUSHGATEWAY_PORT,
        from: () => [...this.pushers, ...this.scrapers],
      });
      const which = `pushgateway ${this.namespace}/${this.name}`;
      requirePeers(
        this,
        () => this.pushers,
        `${which} admits no pusher`,
        'allowPushFrom',
        'the Interlok pods',
        () => this._stackPath?.(),
      );
      requirePeers(
        this,
        () => this.scrapers,
        `${which} admits no scraper`,
        'allowScrapeFrom',
        'the Prometheus pods',
        () => this._stackPath?.(),
      );
    }
  }

  /** Lets these pods push (Interlok). */
  public allowPushFrom(peer: NetworkPeer): void {
    this.pushers.push(checkPeer(this, 'allowPushFrom', peer));
  }

  /** Whether these pods may push: no NetworkPolicy, or an allowed pusher selects them. */
  public admitsPusher(namespace: string, podLabels: Record<string, string>): boolean {
    if (!this.networkPolicy) return true;
    const exact = NetworkPeer.pods(namespace, podLabels)._key();
    // one lookup for the pushers added for each Interlok (their own selector), a scan of one namespace otherwise
    const byNamespace = AppIndex.of(this).memo(`pushers of ${this.node.path}`, () => {
      const namespaces = new Map<string, NetworkPeer[]>();
      for (const p of this.pushers) {
        const list = namespaces.get(p.namespace);
        if (list) list.push(p);
        else namespaces.set(p.namespace, [p]);
      }
      return { exact: new Set(this.pushers.map((p) => p._key())), namespaces };
    });
    return (
      byNamespace.exact.has(exact) ||
      (byNamespace.namespaces.get(namespace) ?? []).some((p) => p.admits(namespace, podLabels))
    );
  }

  /** Lets these pods scrape (Prometheus). */
  public allowScrapeFrom(peer: NetworkPeer): void {
    this.scrapers.push(checkPeer(this, 'allowScrapeFrom', peer));
  }

  /** `<name>.<namespace>.svc:9091`, for Interlok's `prometheusEndpointUrl` and Prometheus's scrape target. */
  public get endpoint(): PushgatewayEndpoint {
    return PushgatewayEndpoint.service(this.name, this.namespace, this.port);
  }
}
