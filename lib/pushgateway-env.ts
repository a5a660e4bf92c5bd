import { Duration, SizeRoundingBehavior } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { AppIndex } from './kit/app-index';
import {
  checkArray,
  checkDuration,
  checkHeapFitsLimit,
  checkHostPort,
  maxHeapOptionMi,
  propError,
  PropChecks,
} from './kit/checks';
import { checkPropsIn, propsKeys } from './kit/props';
import { podField } from './kit/pod';
import { IPushgatewayService, isPushgatewayService, PushgatewayEndpoint } from './monitoring/pushgateway-endpoint';

export interface PushgatewayEnvProps {
  /**
   * The pushgateway Interlok pushes to.
   * @default PushgatewayEndpoint.DEFAULT
   */
  readonly endpoint?: PushgatewayEndpoint;

  /**
   * More `-D`/`-X` options for `JAVA_OPTS`, after the ones this construct sets.
   * @default - none
   */
  readonly extraJavaOptions?: string[];

  /**
   * How long the JVM caches DNS answers (`-Dsun.net.inetaddr.ttl`). Setting `JAVA_OPTS` replaces the image's
   * default `-Dsun.net.inetaddr.ttl=30`, and a pushgateway that moves must be found again. The guide's
   * `-Dnetworkaddress.cache.ttl` did nothing: it is a security property, which the JDK never reads from `-D`.
   * @default Duration.seconds(30)
   */
  readonly dnsCacheTtl?: Duration;

  /**
   * The namespace of the pods, to resolve an endpoint given as a bare Service name.
   * @default 'default'
   */
  readonly podNamespace?: string;
}

export const PUSHGATEWAY_ENV_PROPS = propsKeys<PushgatewayEnvProps>('PushgatewayEnvProps', {
  dnsCacheTtl: 1,
  endpoint: 1,
  extraJavaOptions: 1,
  podNamespace: 1,
});

/**
 * The environment that makes Interlok push `MessageMetrics` to a pushgateway with the labels the adapter maps to
 * pods: `JAVA_OPTS` carrying `-DprometheusEndpointUrl` (a system property: Interlok never reads an env var of that
 * name), `K8S_POD_NAME`, and `K8S_NAMESPACE` (which Interlok reads) plus `K8S_POD_NAMESPACE` (which the guide set).
 */
export class PushgatewayEnv extends Construct {
  public readonly endpoint: PushgatewayEndpoint;
  /** The full `JAVA_OPTS` value. */
  public readonly javaOpts: string;
  private readonly podNamespace: string;

  constructor(scope: Construct, id: string, props: PushgatewayEnvProps = {}) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, PUSHGATEWAY_ENV_PROPS) ?? c.fail();
    this.endpoint = props.endpoint ?? PushgatewayEndpoint.DEFAULT;
    c.check(() => {
      if (!(this.endpoint instanceof PushgatewayEndpoint)) {
        throw propError(
          this,
          'endpoint',
          this.endpoint,
          'a PushgatewayEndpoint (PushgatewayEndpoint.hostPort("host:port") or .service(...))',
        );
      }
      checkHostPort(this, 'endpoint', this.endpoint.hostPort);
    });
    const ttl = c.check(() =>
      checkDuration(
        this,
        'dnsCacheTtl',
        props.dnsCacheTtl ?? Duration.seconds(30),
        Duration.seconds(0),
        Duration.hours(24),
      ),
    );
    const extra = c.check(() => checkArray(this, 'extraJavaOptions', props.extraJavaOptions, 'JVM options')) ?? [];
    extra.forEach((opt, i) =>
      c.check(() => {
        if (typeof opt !== 'string' || !/^-\S+$/.test(opt)) {
          throw propError(this, `extraJavaOptions[${i}]`, opt, 'one JVM option starting with "-" and without spaces');
        }
        if (/^-D(prometheusEndpointUrl|sun\.net\.inetaddr\.ttl)=/.test(opt)) {
          throw propError(
            this,
            `extraJavaOptions[${i}]`,
            opt,
            'no -DprometheusEndpointUrl or -Dsun.net.inetaddr.ttl (set endpoint and dnsCacheTtl instead)',
          );
        }
        if (/^-Dnetworkaddress\.cache\.ttl=/.test(opt)) {
          throw propError(
            this,
            `extraJavaOptions[${i}]`,
            opt,
            'no -Dnetworkaddress.cache.ttl: it is a security property the JDK ignores as -D; set dnsCacheTtl (-Dsun.net.inetaddr.ttl)',
          );
        }
      }),
    );
    c.throwIfAny();
    this.javaOpts = [
      `-DprometheusEndpointUrl=${this.endpoint.hostPort}`,
      `-Dsun.net.inetaddr.ttl=${ttl!.toSeconds()}`,
      ...extra,
    ].join(' ');

    const podNamespace = props.podNamespace ?? 'default';
    this.podNamespace = podNamespace;
    const index = AppIndex.of(this);
    this.node.addValidation({
      validate: () => {
        const services = index.where('pushgateway services', isPushgatewayService);
        if (services.length === 0 || this.pushgatewayService() !== undefined) return [];
        return [
          `pushgateway endpoint "${this.endpoint.hostPort}" is not the synthesized pushgateway Service ${services.map((s) => `${s.name}.${s.namespace}.svc:${s.port}`).join(' or ')}: Interlok would push where nothing scrapes`,
        ];
      },
    });
  }

  /** The pushgateway Service of this app the endpoint names, if any. */
  public pushgatewayService(): IPushgatewayService | undefined {
    return AppIndex.of(this)
      .where('pushgateway services', isPushgatewayService)
      .find((s) => this.endpoint.addresses(s.name, s.namespace, s.port, this.podNamespace));
  }

  /** The env vars for a container spec (L1 objects, kubectl YAML, other constructs). */
  public get envVars(): k8s.EnvVar[] {
    return [
      { name: 'JAVA_OPTS', value: this.javaOpts },
      { name: 'K8S_POD_NAME', valueFrom: podField('metadata.name') },
      { name: 'K8S_NAMESPACE', valueFrom: podField('metadata.namespace') },
      { name: 'K8S_POD_NAMESPACE', valueFrom: podField('metadata.namespace') },
    ];
  }

  /**
   * Adds the env vars to a cdk8s-plus container (cdk8s-plus-27 through the newest major), for Interlok
   * Deployments you build yourself. A `JAVA_OPTS` the container has already is kept, ours appended to it; one that
   * is not a plain value, or that sets the pushgateway endpoint or DNS TTL itself, is refused, as is a heap
   * (`-Xmx`, `-XX:MaxHeapSize` in `JAVA_OPTS` or `JVM_ARGS`) that leaves less than 128 MiB of the container's memory
   * limit, which `InterlokDeployment` refuses too.
   */
  public addTo(container: IEnvContainer): void {
    if (
      container === null ||
      typeof container !== 'object' ||
      typeof (container as any).env?.addVariable !== 'function'
    ) {
      throw propError(this, 'addTo(container)', container, 'a cdk8s-plus Container (its env has addVariable)');
    }
    const existing: Record<string, EnvValueLike> = (container.env as any).variables ?? {};
    this.checkHeap(container, existing);
    for (const v of this.envVars) {
      const current = existing[v.name];
      if (current !== undefined && v.name === 'JAVA_OPTS') {
        if (typeof current.value !== 'string' || current.valueFrom !== undefined) {
          throw propError(
            this,
            'addTo(container)',
            'JAVA_OPTS from a reference',
            'a container whose JAVA_OPTS is a plain value (or unset), so that the pushgateway options can be added to it',
          );
        }
        const clash = current.value
          .split(/\s+/)
          .find((o) => /^-D(prometheusEndpointUrl|sun\.net\.inetaddr\.ttl)=/.test(o));
        if (clash !== undefined) {
          throw propError(
            this,
            'addTo(container)',
            `JAVA_OPTS ${clash}`,
            'a container JAVA_OPTS without -DprometheusEndpointUrl or -Dsun.net.inetaddr.ttl (set endpoint and dnsCacheTtl instead)',
          );
        }
        container.env.addVariable(v.name, { value: `${current.value} ${v.value}`.trim() });
        continue;
      }
      // the same field by another spelling (no apiVersion, as cdk8s-plus writes it) is the same value
      if (
        current !== undefined &&
        (current.value !== v.value || current.valueFrom?.fieldRef?.fieldPath !== v.valueFrom?.fieldRef?.fieldPath)
      ) {
        throw propError(
          this,
          'addTo(container)',
          `${v.name} already set`,
          `a container without ${v.name}, which Interlok's pusher reads`,
        );
      }
      container.env.addVariable(v.name, { value: v.value, valueFrom: v.valueFrom });
    }
  }

  /** The heap options the container will run with, ours included, against its memory limit (if it has one). */
  private checkHeap(container: IEnvContainer, existing: Record<string, EnvValueLike>): void {
    // Read as every cdk8s-plus major stores it (ContainerResources of a cdk8s Size), whichever copy of cdk8s made it.
    const limit = (container as any).resources?.memory?.limit;
    if (typeof limit?.toMebibytes !== 'function') return;
    const limitMi: number = limit.toMebibytes({ rounding: SizeRoundingBehavior.NONE });
    const sources: Array<[string, string | undefined]> = [
      ['JVM_ARGS', existing.JVM_ARGS?.value],
      ['JAVA_OPTS', [existing.JAVA_OPTS?.value, this.javaOpts].filter((v) => typeof v === 'string').join(' ')],
    ];
    for (const [name, value] of sources) {
      // the JVM takes the last of several heap options
      const heap = (typeof value === 'string' ? value.split(/\s+/) : [])
        .filter((o) => maxHeapOptionMi(o) !== undefined)
        .pop();
      if (heap === undefined) continue;
      checkHeapFitsLimit(
        this,
        'addTo(container)',
        `${name} ${heap} with a memory limit of ${limitMi} MiB`,
        maxHeapOptionMi(heap)!,
        limitMi,
      );
    }
  }
}

/**
 * An environment variable's value as every cdk8s-plus major (27 and later) stores it: what its
 * `EnvValue.fromValue(...)` and `EnvValue.fromFieldRef(...)` produce.
 */
export interface EnvValueLike {
  readonly value?: string;
  readonly valueFrom?: k8s.EnvVarSource;
}

/**
 * A container whose environment can be added to: a `Container` of any cdk8s-plus major from 27 on (`container.env`
 * is an `Env` with `addVariable(name, EnvValue)`), whichever one your app uses.
 */
export interface IEnvContainer {
  readonly env: {
    addVariable(name: string, value: EnvValueLike): void;
  };
}
