import { readFileSync } from 'fs';
import { resolve } from 'path';
import { Lazy, Size, SizeRoundingBehavior } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { AppIndex, CLUSTER_NAMESPACES } from './kit/app-index';
import { ExistingNamespaces } from './existing/existing-namespaces';
import * as k8s from '../imports/k8s';
import { checkBootstrap, parseMetricNames } from './_adapter-xml';
import {
  checkArray,
  checkDnsLabel,
  checkHeapFitsLimit,
  checkImage,
  checkInteger,
  checkResources,
  checkServiceName,
  propError,
  PropChecks,
} from './kit/checks';
import {
  checksum,
  emptyDirVolume,
  LINUX_NODES,
  podDisruptionBudget,
  podField,
  renderResources,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
  spreadAcrossNodes,
  tcpProbe,
} from './kit/pod';
import { imageTag, imageVersion, recommendedLabels, selectorLabels } from './kit/labels';
import { PushgatewayEnv } from './pushgateway-env';
import { PushgatewayEndpoint } from './monitoring/pushgateway-endpoint';
import { INTERLOK_PUSH_SECONDS } from './model/intervals';
import { checkMetricsSource, MetricsSource } from './monitoring/metrics-source';
import { checkPropsIn, knownProps, propsKeys, suggest } from './kit/props';
import { inputError } from './model/_input';

/** The guide's image repository (adaptris-labs/interlok-kubernetes-scaling's `build.gradle`). */
const GUIDE_REPOSITORY = 'aaronmcgrathadpx/interlok-kubernetes-scaling';

/**
 * Tags that name a different build from one day to the next: `latest`, and the `latest-<dist>` and
 * `[<major>-]snapshot-<dist>` tags that adaptris/docker-interlok publishes.
 */
const MOVING_TAG = /^(latest|(latest|(\d+-)?snapshot)(-.*)?)$/;

/**
 * The Interlok image to run. There is no default: an Interlok is your image, pinned, or the guide's demo asked for
 * by name.
 */
export class InterlokImage {
  /**
   * Your image, pinned to a release tag (`registry.example.com/interlok:3.12.0`) or a digest
   * (`repo@sha256:<64 hex digits>`). A missing tag, `latest`, `latest-<dist>` or `snapshot-<dist>` is refused: nodes
   * would run whatever the tag meant when each pulled it. Pulled `IfNotPresent`: a pinned reference names one build.
   */
  public static fromRegistry(reference: string): InterlokImage {
    const fn = 'InterlokImage.fromRegistry';
    if (typeof reference !== 'string')
      throw inputError(
        fn,
        'reference',
        reference,
        'an image reference such as "registry/repository:tag" or "repository@sha256:<64 hex digits>"',
      );
    const tag = imageTag(reference);
    if (!reference.includes('@') && (tag === undefined || MOVING_TAG.test(tag))) {
      throw inputError(
        fn,
        'reference',
        reference,
        'a pinned image: a release tag ("repo:3.12.0") or a digest ("repo@sha256:<64 hex digits>"), not a missing, latest or snapshot tag; the guide\'s demo is InterlokImage.guideDemo()',
      );
    }
    return new InterlokImage(reference, 'IfNotPresent');
  }

  /**
   * The guide's demo image, `aaronmcgrathadpx/interlok-kubernetes-scaling`: Interlok 3.9 (2019, a personal Docker Hub
   * account) with the kubernetes-metrics pusher and a `/in-box` workflow counted as `MessageMetrics`. For trying the
   * guide, not for running messages: it gets no updates. Without a `digest` (`sha256:<64 hex digits>`, as pulled
   * once) it is the only tag published, `latest`, pulled `Always` so every node runs what the tag means today; with
   * one, `IfNotPresent`. It runs under the same restricted securityContext as any Interlok here (uid `runAsUser`,
   * read-only root, emptyDirs for `/tmp`, `logs` and `ui-resources`); that the 2019 image starts so is not
   * verified (see the README).
   */
  public static guideDemo(digest?: string): InterlokImage {
    if (digest === undefined) return new InterlokImage(`${GUIDE_REPOSITORY}:latest`, 'Always');
    if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest))
      throw inputError(
        'InterlokImage.guideDemo',
        'digest',
        digest,
        '"sha256:<64 lowercase hex digits>", or nothing for the latest tag',
      );
    return new InterlokImage(`${GUIDE_REPOSITORY}@${digest}`, 'IfNotPresent');
  }

  private constructor(
    public readonly reference: string,
    /** The container's `imagePullPolicy`. */
    public readonly pullPolicy: 'Always' | 'IfNotPresent',
  ) {}
}

function checkFiles(fn: string, files: InterlokConfigFiles, arg: string): void {
  if (files === null || typeof files !== 'object' || Array.isArray(files))
    throw inputError(fn, arg, files, 'InterlokConfigFiles: an object such as { adapterXml: ... }');
  const known = knownProps(INTERLOK_CONFIG_FILES);
  for (const [key, value] of Object.entries(files)) {
    if (!known.includes(key)) {
      const hint = suggest(key, known, {
        'adapter.xml': 'adapterXml',
        'bootstrap.properties': 'bootstrapProperties',
      });
      throw inputError(
        fn,
        `${arg}.${key}`,
        value,
        `no such prop in InterlokConfigFiles${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ` (known: ${known.join(', ')})`}`,
      );
    }
    if (value !== undefined && typeof value !== 'string') throw inputError(fn, `${arg}.${key}`, value, 'a string');
  }
}

/** Interlok's own configuration files, mounted over the image's `/opt/interlok/config/<file>`. */
export class InterlokConfig {
  public static fromStrings(files: InterlokConfigFiles): InterlokConfig {
    checkFiles('InterlokConfig.fromStrings', files, 'files');
    return new InterlokConfig(files.adapterXml, files.bootstrapProperties);
  }

  /**
   * Reads the files when the InterlokDeployment is built, so the app's repository is their single source; a file
   * that cannot be read is reported there, as `config.adapterXml` or `config.bootstrapProperties` of that construct.
   */
  public static fromFiles(paths: InterlokConfigFiles): InterlokConfig {
    checkFiles('InterlokConfig.fromFiles', paths, 'paths');
    return new InterlokConfig(undefined, undefined, paths);
  }

  private constructor(
    private readonly xml?: string,
    private readonly properties?: string,
    /** The files to read, with fromFiles. */
    private readonly paths?: InterlokConfigFiles,
  ) {}

  /** adapter.xml's content (read from its file with fromFiles). */
  public get adapterXml(): string | undefined {
    return this.paths ? this.readFile(undefined, 'adapterXml') : this.xml;
  }

  /** bootstrap.properties' content (read from its file with fromFiles). */
  public get bootstrapProperties(): string | undefined {
    return this.paths ? this.readFile(undefined, 'bootstrapProperties') : this.properties;
  }

  /** @internal the content, a file that cannot be read reported against `scope`'s `config.<key>` */
  public _read(scope: IConstruct, key: keyof InterlokConfigFiles): string | undefined {
    return this.paths ? this.readFile(scope, key) : key === 'adapterXml' ? this.xml : this.properties;
  }

  private readFile(scope: IConstruct | undefined, key: keyof InterlokConfigFiles): string | undefined {
    const path = this.paths![key];
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf-8');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      const expected = `a readable file (${why} from ${resolve(path)})`;
      if (scope) throw propError(scope, `config.${key}`, path, expected);
      throw inputError('InterlokConfig.fromFiles', key, path, expected);
    }
  }
}

export interface InterlokConfigFiles {
  /**
   * `adapter.xml` (content for fromStrings, a path for fromFiles).
   * @default - the image's own
   */
  readonly adapterXml?: string;
  /**
   * `bootstrap.properties` (content for fromStrings, a path for fromFiles).
   * @default - the image's own
   */
  readonly bootstrapProperties?: string;
}

export const INTERLOK_CONFIG_FILES = propsKeys<InterlokConfigFiles>('InterlokConfigFiles', {
  adapterXml: 1,
  bootstrapProperties: 1,
});

export interface InterlokDeploymentProps {
  /**
   * Name of the Deployment and its Service.
   * @default 'interlok'
   */
  readonly name?: string;
  /**
   * Namespace of the Deployment and its Service.
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * Emit the namespace as an object of this app. Off by default: an Interlok's namespace is usually a team's, and a
   * Namespace in the manifests is one that `kubectl delete -f` deletes, with everything else in it. Without it the
   * namespace must exist before the apply.
   * @default false
   */
  readonly createNamespace?: boolean;
  /**
   * The image: yours, pinned (`InterlokImage.fromRegistry('repo:tag')`), or the guide's demo
   * (`InterlokImage.guideDemo()`). No default: what runs your messages is chosen, not inherited.
   */
  readonly image: InterlokImage;
  /**
   * Where Interlok pushes `MessageMetrics` (pushgateway mode only: a scraped Interlok pushes nothing).
   * @default PushgatewayEndpoint.DEFAULT
   */
  readonly pushgateway?: PushgatewayEndpoint;
  /**
   * More options for `JAVA_OPTS`. With `MetricsSource.scrape()` they are all of `JAVA_OPTS` (the profiler's
   * `-javaagent` flags go here, unless the image sets its own `JAVA_OPTS`, which is then left alone).
   * @default - none
   */
  readonly extraJavaOptions?: string[];
  /**
   * Maximum Java heap (`JVM_ARGS=-Xmx...`); the image's default is 1 GiB.
   * @default Size.mebibytes(1024)
   */
  readonly heap?: Size;
  /**
   * Container resources.
   * @default - requests cpu 500m and memory heap + 512 MiB (metaspace, threads, Jetty); limits cpu 2 and the same
   * memory
   */
  readonly resources?: kplus.ContainerResources;
  /**
   * Expose JMX (JMXMP, port 5555) on the container and Service.
   * @default false
   */
  readonly exposeJmx?: boolean;
  /**
   * Replicas when no autoscaler manages this Deployment; left out of the spec when one does.
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Interlok's `adapter.xml` / `bootstrap.properties` from a ConfigMap. The metric names pushed are read from
   * the `message-metrics-interceptor` unique-ids in `adapter.xml`.
   * @default - the image's configuration (the guide's: one interceptor `MessageMetrics`)
   */
  readonly config?: InterlokConfig;
  /**
   * The user Interlok runs as. The image's files are world-readable and every path Interlok writes
   * (`/tmp`, `logs`, `ui-resources`) is an emptyDir, so it needs no root.
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * A small sidecar deletes the pod's group from the pushgateway when the pod stops, so groups of deleted pods
   * do not pile up there (the pushgateway keeps every group for ever). It deletes while Interlok still listens and
   * once more after Interlok's last possible push.
   * @default PushgatewayDeregistration.sidecar()
   */
  readonly deregistration?: PushgatewayDeregistration;
  /**
   * How the messages are counted: Interlok 3.x pushes `MessageMetrics` to a pushgateway; Interlok 4.1+/5.x
   * serves `/prometheus/metrics` on 8080 for Prometheus to scrape (`MetricsSource.scrape({ workflow })`: give an
   * `image` built with the profiler and metrics components, see the README; no deregistration sidecar then).
   * @default MetricsSource.pushgateway()
   */
  readonly metricsSource?: MetricsSource;
}

export const INTERLOK_DEPLOYMENT_PROPS = propsKeys<InterlokDeploymentProps>(
  'InterlokDeploymentProps',
  {
    config: 1,
    createNamespace: 1,
    deregistration: 1,
    exposeJmx: 1,
    extraJavaOptions: 1,
    heap: 1,
    image: 1,
    metricsSource: 1,
    name: 1,
    namespace: 1,
    pushgateway: 1,
    replicas: 1,
    resources: 1,
    runAsUser: 1,
  },
  {
    aliases: {
      javaOptions: 'extraJavaOptions',
      JAVA_OPTS: 'extraJavaOptions',
      pushgatewayEndpoint: 'pushgateway',
      memory: 'heap or resources.memory',
    },
  },
);

/**
 * Images known not to serve `/prometheus/metrics` with `workflow_count_total`: the stock `adaptris/interlok`
 * images (core, common, boot, logging and varsub only; `managementComponents=jetty:jmx`) and the guide's 3.9 image.
 */
const CANNOT_SCRAPE = [
  /^(docker\.io\/)?adaptris\/interlok(:|@|$)/,
  /^(docker\.io\/)?aaronmcgrathadpx\/interlok-kubernetes-scaling(:|@|$)/,
];

export const SCRAPE_IMAGE_NEEDS =
  'an image of your own built on Interlok 4.1+ or 5.x with the jars interlok-rest-base, interlok-rest-metrics-profiler, interlok-rest-provider-prometheus and interlok-profiler (which brings aspectjweaver), managementComponents=jetty:jmx:metrics-interlok:metrics-provider-prometheus in bootstrap.properties, and the JVM flags -javaagent:lib/aspectjweaver.jar -Dorg.aspectj.weaver.loadtime.configuration=META-INF/profiler-aop.xml (the stock adaptris/interlok images have none of these)';

/** How a pod's pushgateway group is removed when the pod stops. */
export class PushgatewayDeregistration {
  /**
   * A `curl` sidecar whose preStop hook deletes the group (`DELETE /metrics/job/interlok/k8s_namespace/<ns>/
   * k8s_pod_name/<pod>`, which needs no admin API).
   */
  public static sidecar(image = 'curlimages/curl:8.11.1'): PushgatewayDeregistration {
    return new PushgatewayDeregistration(image);
  }

  /** Leave groups in the pushgateway (a deleted pod's group then stays until someone deletes it). */
  public static none(): PushgatewayDeregistration {
    return new PushgatewayDeregistration(undefined);
  }

  private constructor(public readonly image?: string) {}
}

/**
 * The sidecar's preStop script. While Interlok handles messages it pushes every 10 s, and its push thread may push
 * once more while the JVM shuts down, so a single DELETE could be undone: delete every second while Interlok still
 * listens, then once more one push interval after it stopped listening. Reads PUSHGATEWAY, K8S_NAMESPACE,
 * K8S_POD_NAME, INTERLOK_HTTP and LAST_PUSH_WAIT from its env.
 */
export const DEREGISTER_SCRIPT = [
  'url="http://$PUSHGATEWAY/metrics/job/interlok/k8s_namespace/$K8S_NAMESPACE/k8s_pod_name/$K8S_POD_NAME"',
  'while curl -s -o /dev/null --max-time 1 "http://$INTERLOK_HTTP/"; do curl -s -o /dev/null -X DELETE "$url"; sleep 1; done',
  'sleep "$LAST_PUSH_WAIT"',
  'curl -fsS -o /dev/null -X DELETE "$url"',
].join('\n');

export const IMAGE_EXPECTED =
  'an InterlokImage: InterlokImage.fromRegistry("repo:tag") for your image, or InterlokImage.guideDemo() for the guide\'s demo (there is no default)';

/** Seconds Interlok's container waits before it gets SIGTERM, so endpoints stop sending it requests first. */
export const INTERLOK_PRE_STOP_PAUSE = 5;

const CONTAINER = 'interlok';
const HTTP_PORT = 8080;
const JMX_PORT = 5555;
const CONFIG_DIR = '/opt/interlok/config';

/**
 * Interlok as a Deployment plus a ClusterIP Service on 8080 (web server and `/in-box`), wired to push
 * `MessageMetrics` to a pushgateway. Probes are TCP on 8080: an HTTP probe on `/in-box` would itself be a message.
 */
export class InterlokDeployment extends Construct {
  public readonly name: string;
  public readonly namespace: string;
  /** Its Namespace, with `createNamespace: true`. */
  public readonly namespaceObject?: k8s.KubeNamespace;
  public readonly image: string;
  /** The pushgateway wiring of its container (`JAVA_OPTS`, `K8S_*`); none when Prometheus scrapes it. */
  public readonly pushgatewayEnv?: PushgatewayEnv;
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  public readonly configMap?: k8s.KubeConfigMap;
  /** Selector labels of the pods. */
  public readonly podSelector: Record<string, string>;
  /**
   * The metric names this Interlok pushes (interceptor unique-ids without dashes), when its `adapter.xml` is known.
   */
  public readonly metricNames?: string[];
  /** Set once more than one replica is allowed. */
  public disruptionBudget?: k8s.KubePodDisruptionBudget;
  /** How the messages are counted. */
  public readonly metricsSource: MetricsSource;
  private readonly autoscalers: IConstruct[] = [];
  private readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: InterlokDeploymentProps) {
    super(scope, id);
    // every bad prop at once; nothing is built before all are checked
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, INTERLOK_DEPLOYMENT_PROPS) ?? c.fail();
    AppIndex.of(this);
    const name = c.check(() => {
      const given = props.name ?? 'interlok';
      if (
        typeof given === 'string' &&
        given.includes('.') &&
        given.length <= 253 &&
        /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(given)
      ) {
        // a valid Deployment name, but the Interlok's Service (and the pushgateway's job label) shares it
        throw propError(
          this,
          'name',
          given,
          "no dots: a Deployment name may have them, but this name also names the Interlok's Service, a DNS-1035 label",
        );
      }
      return checkServiceName(this, 'name', given);
    });
    const namespace = c.check(() => checkDnsLabel(this, 'namespace', props.namespace ?? 'default'));
    c.check(() => {
      if (props.createNamespace !== undefined && typeof props.createNamespace !== 'boolean')
        throw propError(this, 'createNamespace', props.createNamespace, 'true or false');
      if (props.createNamespace && namespace !== undefined && CLUSTER_NAMESPACES.includes(namespace)) {
        throw propError(
          this,
          'createNamespace',
          true,
          `false or unset with namespace "${namespace}": every cluster has it, so it is not created as an object of this app`,
        );
      }
    });
    const source = c.check(() => checkMetricsSource(this, props.metricsSource));
    // the checks that depend on how the messages are counted run only with a valid metricsSource
    const scrape = source?.kind === 'scrape';
    const image = c.check(() => {
      const given = props.image;
      if (!(given instanceof InterlokImage)) throw propError(this, 'image', given, IMAGE_EXPECTED);
      const reference = checkImage(this, 'image', given.reference);
      if (scrape && CANNOT_SCRAPE.some((re) => re.test(reference))) {
        throw propError(this, 'image', reference, `with MetricsSource.scrape(), ${SCRAPE_IMAGE_NEEDS}`);
      }
      return reference;
    });
    const heap = props.heap ?? Size.mebibytes(1024);
    const heapMi = c.check(() => {
      const mi = heap instanceof Size ? heap.toMebibytes({ rounding: SizeRoundingBehavior.NONE }) : NaN;
      if (!Number.isInteger(mi) || mi < 256 || mi > 65536) {
        throw propError(this, 'heap', heap, 'a cdk8s Size of whole mebibytes from 256 MiB to 64 GiB');
      }
      return mi;
    });
    const replicas = c.check(() => checkInteger(this, 'replicas', props.replicas ?? 1, 0, 1000));
    const uid = c.check(() => checkInteger(this, 'runAsUser', props.runAsUser ?? 1000, 1, 2147483647));
    const config = props.config;
    const configOk = c.check(() => {
      if (config !== undefined && !(config instanceof InterlokConfig)) {
        throw propError(this, 'config', config, 'an InterlokConfig (InterlokConfig.fromFiles or .fromStrings)');
      }
      return true;
    });

    // the heap is JVM_ARGS=-Xmx, and sizes the default memory limit: a second one in JAVA_OPTS would be two heaps, one
    // limit
    (Array.isArray(props.extraJavaOptions) ? props.extraJavaOptions : []).forEach((opt, i) =>
      c.check(() => {
        if (
          typeof opt === 'string' &&
          /^-(Xm[xs]|XX:(Max|Initial|Min)HeapSize=|XX:(Max|Initial|Min)RAMPercentage=|XX:MaxRAM=)/.test(opt)
        ) {
          throw propError(
            this,
            `extraJavaOptions[${i}]`,
            opt,
            'no heap option (-Xmx, -Xms, -XX:MaxHeapSize, -XX:*RAMPercentage): set heap, which is JVM_ARGS=-Xmx and sizes the memory limit',
          );
        }
      }),
    );
    let env: k8s.EnvVar[] = [];
    if (source !== undefined && scrape) {
      // nothing to push: JAVA_OPTS is the user's options or, without any, the image's own (which may hold the
      // profiler's agent)
      c.check(() => {
        if (props.pushgateway !== undefined)
          throw propError(
            this,
            'pushgateway',
            props.pushgateway instanceof PushgatewayEndpoint ? props.pushgateway.hostPort : props.pushgateway,
            'none with MetricsSource.scrape(): Prometheus scrapes the pods, nothing is pushed',
          );
      });
      const extra = c.check(() => checkArray(this, 'extraJavaOptions', props.extraJavaOptions, 'JVM options')) ?? [];
      extra.forEach((opt: unknown, i: number) =>
        c.check(() => {
          if (typeof opt !== 'string' || !/^-\S+$/.test(opt))
            throw propError(this, `extraJavaOptions[${i}]`, opt, 'one JVM option starting with "-" and without spaces');
        }),
      );
      env = extra.length ? [{ name: 'JAVA_OPTS', value: extra.join(' ') }] : [];
    } else if (source !== undefined) {
      // its own errors (endpoint, extraJavaOptions) are this call's too
      this.pushgatewayEnv = c.check(
        () =>
          new PushgatewayEnv(this, 'PushgatewayEnv', {
            endpoint: props.pushgateway,
            extraJavaOptions: props.extraJavaOptions,
            podNamespace: namespace ?? 'default',
          }),
      );
      env = this.pushgatewayEnv?.envVars ?? [];
    }
    const deregistration = c.check(() => {
      const given =
        props.deregistration ?? (scrape ? PushgatewayDeregistration.none() : PushgatewayDeregistration.sidecar());
      if (!(given instanceof PushgatewayDeregistration)) {
        throw propError(
          this,
          'deregistration',
          given,
          'a PushgatewayDeregistration (PushgatewayDeregistration.sidecar() or .none())',
        );
      }
      if (scrape && given.image !== undefined) {
        throw propError(
          this,
          'deregistration',
          'PushgatewayDeregistration.sidecar()',
          'PushgatewayDeregistration.none() or unset with MetricsSource.scrape(): there is no pushgateway group to delete',
        );
      }
      return given;
    });
    const sidecarImage =
      deregistration?.image === undefined
        ? undefined
        : c.check(() => checkImage(this, 'deregistration.image', deregistration.image!));
    // the files are read and parsed only from a valid config, the metric names only with a valid metricsSource
    const files = configOk && config !== undefined ? config : undefined;
    const adapterXml = files && c.check(() => files._read(this, 'adapterXml'));
    const bootstrapProperties = files && c.check(() => files._read(this, 'bootstrapProperties'));
    if (adapterXml !== undefined && source !== undefined && !scrape)
      (this as { metricNames?: string[] }).metricNames = c.check(() => parseMetricNames(this, adapterXml));
    if (bootstrapProperties !== undefined) c.check(() => checkBootstrap(this, bootstrapProperties));
    const resources =
      props.resources !== undefined
        ? c.check(() => checkResources(this, 'resources', props.resources!))
        : heapMi === undefined
          ? undefined
          : {
              cpu: { request: kplus.Cpu.millis(500), limit: kplus.Cpu.units(2) },
              memory: { request: Size.mebibytes(heapMi + 512), limit: Size.mebibytes(heapMi + 512) },
            };
    const limit = resources?.memory?.limit;
    if (limit !== undefined && heapMi !== undefined)
      c.check(() =>
        checkHeapFitsLimit(
          this,
          'resources.memory.limit',
          limit,
          heapMi,
          limit.toMebibytes({ rounding: SizeRoundingBehavior.NONE }),
        ),
      );
    c.throwIfAny();

    this.name = name!;
    this.namespace = namespace!;
    this.metricsSource = source!;
    this.image = image!;
    if (props.createNamespace) {
      this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
        metadata: {
          name: this.namespace,
          labels: recommendedLabels({ name: 'interlok', instance: this.namespace, component: 'namespace' }),
        },
      });
    } else {
      // used, not owned: it must exist, and no teardown of this app deletes it
      new ExistingNamespaces(this, 'ExistingNamespace', { names: [this.namespace] });
    }

    const appLabels = {
      name: 'interlok',
      instance: this.name,
      component: 'integration',
      version: imageVersion(this.image),
    };
    this.podSelector = selectorLabels(appLabels);
    const labels = recommendedLabels(appLabels);
    this.labels = labels;

    const ports: k8s.ContainerPort[] = [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }];
    if (props.exposeJmx) ports.push({ name: 'jmx', containerPort: JMX_PORT, protocol: 'TCP' });

    const volumes: k8s.Volume[] = [
      emptyDirVolume('tmp', '1Gi'),
      emptyDirVolume('logs', '1Gi'),
      emptyDirVolume('ui-resources', '256Mi'),
    ];
    const mounts: k8s.VolumeMount[] = [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'logs', mountPath: '/opt/interlok/logs' },
      { name: 'ui-resources', mountPath: '/opt/interlok/ui-resources' },
    ];
    const annotations: Record<string, string> = {};
    if (config && (adapterXml !== undefined || bootstrapProperties !== undefined)) {
      const data: Record<string, string> = {};
      if (adapterXml !== undefined) data['adapter.xml'] = adapterXml;
      if (bootstrapProperties !== undefined) data['bootstrap.properties'] = bootstrapProperties;
      this.configMap = new k8s.KubeConfigMap(this, 'Config', {
        metadata: { name: `${this.name}-config`, namespace: this.namespace, labels },
        data,
      });
      volumes.push({ name: 'config', configMap: { name: `${this.name}-config` } });
      for (const key of Object.keys(data)) {
        // subPath keeps the rest of the image's config directory (jetty.xml, log4j2.xml) in place.
        mounts.push({ name: 'config', mountPath: `${CONFIG_DIR}/${key}`, subPath: key, readOnly: true });
      }
      // subPath mounts never see ConfigMap updates: a changed config must roll the pods.
      annotations['checksum/config'] = checksum(
        ...Object.keys(data)
          .sort()
          .map((k) => `${k}=${data[k]}`),
      );
    } else if (config === undefined && !scrape) {
      this.metricNames = ['MessageMetrics'];
    }

    this.deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        // An HPA owns the replica count: a fixed spec.replicas would reset it on every apply.
        replicas: Lazy.any({ produce: () => (this.autoscalers.length > 0 ? undefined : replicas) }),
        selector: { matchLabels: this.podSelector },
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            nodeSelector: LINUX_NODES,
            topologySpreadConstraints: spreadAcrossNodes(this.podSelector),
            securityContext: restrictedPodSecurityContext(uid!),
            // the preStop pause, Interlok's shutdown and the sidecar's wait for a last push
            terminationGracePeriodSeconds: 45,
            containers: [
              {
                name: CONTAINER,
                image: this.image,
                imagePullPolicy: props.image.pullPolicy,
                ports,
                env: [{ name: 'JVM_ARGS', value: `-Xmx${heapMi}m` }, ...env],
                resources: renderResources(resources!),
                securityContext: restrictedContainerSecurityContext(),
                // Interlok takes tens of seconds to start; the startup probe holds liveness off until Jetty listens.
                startupProbe: tcpProbe(HTTP_PORT, 5, 60),
                readinessProbe: tcpProbe(HTTP_PORT, 10, 3),
                livenessProbe: tcpProbe(HTTP_PORT, 20, 3),
                // endpoints controllers and kube-proxy take a moment to stop routing here
                lifecycle: { preStop: { exec: { command: ['sleep', String(INTERLOK_PRE_STOP_PAUSE)] } } },
                volumeMounts: mounts,
              },
              ...(sidecarImage ? [this.deregisterSidecar(sidecarImage)] : []),
            ],
            volumes,
          },
        },
      },
    });
    if (this.configMap) this.deployment.addDependency(this.configMap);
    if (replicas! > 1) this.addDisruptionBudget();

    this.node.addValidation({
      validate: () => {
        const gateway = this.pushgatewayEnv?.pushgatewayService();
        if (!gateway || gateway.admitsPusher(this.namespace, this.podSelector)) return [];
        return [
          `Interlok ${this.namespace}/${this.name} pushes to pushgateway ${gateway.namespace}/${gateway.name}, whose NetworkPolicy does not admit its pods: call allowPushFrom(NetworkPeer.pods('${this.namespace}', ${JSON.stringify(this.podSelector)})) on the pushgateway or its MonitoringStack, or add the Interlok with addInterlok`,
        ];
      },
    });

    const servicePorts: k8s.ServicePort[] = [
      { name: 'http', port: HTTP_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
    ];
    if (props.exposeJmx)
      servicePorts.push({
        name: 'jmx',
        port: JMX_PORT,
        targetPort: k8s.IntOrString.fromString('jmx'),
        protocol: 'TCP',
      });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: { type: 'ClusterIP', selector: this.podSelector, ports: servicePorts },
    });
  }

  /** In-cluster URL of the `/in-box` endpoint, for load tests. */
  public get inboxUrl(): string {
    return `http://${this.name}.${this.namespace}.svc:${HTTP_PORT}/in-box`;
  }

  /**
   * Called by an autoscaler that targets this Deployment: drops `spec.replicas`, and adds a PodDisruptionBudget
   * when it may run more than one replica.
   */
  public markAutoscaled(autoscaler: IConstruct, maxReplicas = 1): void {
    this.autoscalers.push(autoscaler);
    if (maxReplicas > 1) this.addDisruptionBudget();
  }

  private addDisruptionBudget(): void {
    // maxUnavailable, not minAvailable: a drain must still be able to move a single replica
    this.disruptionBudget ??= podDisruptionBudget(this, 'DisruptionBudget', {
      name: this.name,
      namespace: this.namespace,
      labels: this.labels,
      selector: this.podSelector,
      maxUnavailable: 1,
    });
  }

  private deregisterSidecar(image: string): k8s.Container {
    return {
      name: 'pushgateway-deregister',
      image,
      imagePullPolicy: pullPolicy(image),
      // idles until the pod stops; the work is in preStop
      command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 3600 & wait $!; done"],
      env: [
        { name: 'PUSHGATEWAY', value: this.pushgatewayEnv!.endpoint.hostPort },
        { name: 'K8S_NAMESPACE', valueFrom: podField('metadata.namespace') },
        { name: 'K8S_POD_NAME', valueFrom: podField('metadata.name') },
        { name: 'INTERLOK_HTTP', value: `127.0.0.1:${HTTP_PORT}` },
        { name: 'LAST_PUSH_WAIT', value: String(INTERLOK_PUSH_SECONDS + 1) },
      ],
      lifecycle: { preStop: { exec: { command: ['sh', '-c', DEREGISTER_SCRIPT] } } },
      resources: {
        requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') },
        limits: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('32Mi') },
      },
      securityContext: restrictedContainerSecurityContext(),
    };
  }
}

function pullPolicy(image: string): string {
  // A moving tag must be pulled each time or nodes run different builds; a pinned one need not.
  const tag = imageTag(image);
  return image.includes('@') || (tag !== undefined && tag !== 'latest') ? 'IfNotPresent' : 'Always';
}
