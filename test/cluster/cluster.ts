// A real Kubernetes control plane and one node, inside network namespaces of its own: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kube-proxy and kube-router (the NetworkPolicy engine) run in the node's
// namespace (its address 10.200.0.1 on its own loopback), and the node agent gives every pod a namespace and IP of
// its own, routed through the node's. Nothing is added to the host's interfaces and no packet leaves these
// namespaces. Needs root (network namespaces, mounts, iptables, ipset).
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { stringify } from 'yaml';
import { DEBIAN_INSTALL, findTool, missingTools, TOOLS } from '../../scripts/check-tools';
import { ClusterBinaries, ensureBinaries, KUBERNETES_VERSION } from './build';
import { DEFAULT_NAMES } from '../../lib/kit/monitoring-names';

export const NODE_IP = '10.200.0.1';
export const POD_CIDR = '10.244.0.0/24';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const SERVICE_CIDR = '10.96.0.0/16';
export const GATEWAY = '169.254.1.1';
export const NODE_NAME = 'node-1';
/** Where a command run in the cluster finds it: `npm run cluster -- exec` reads this. */
export const STATE_ENV = 'CDK8S_INTERLOK_SCALING_CLUSTER';
/** The node agent's pid, in the state dir: `exec` enters its mount namespace. */
const AGENT_PID_FILE = 'node-agent.pid';

/**
 * The controllers the tests' objects need, and no others: each controller that runs watches its resources through
 * the API server, and the test clusters share 2 cores. Left out: volumes and claims, certificates, cron jobs,
 * replication controllers, resource quotas, pod GC, TTLs and the other housekeeping loops.
 */
const CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller', // prometheus-operator's Prometheus
  'daemonset-controller',
  'job-controller',
  'horizontal-pod-autoscaler-controller',
  'namespace-controller',
  'garbage-collector-controller', // cascading deletes: ReplicaSets and pods of a deleted Deployment
  'serviceaccount-controller', // each namespace's `default` ServiceAccount
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller', // kube-root-ca.crt, which every projected token volume mounts
  'clusterrole-aggregation-controller',
  'endpoints-controller',
  'endpointslice-controller',
  'endpointslice-mirroring-controller', // ExistingEndpoints: Services with Endpoints of their own
  'disruption-controller', // PodDisruptionBudgets' status, as a real cluster keeps it
  'node-lifecycle-controller', // lifts the not-ready taint the API server puts on a new Node, once it is Ready
  'service-cidr-controller',
];

export interface ClusterOptions {
  /** kube-controller-manager --horizontal-pod-autoscaler-sync-period. @default 15s, the controller's own */
  readonly hpaSyncPeriod?: string;
  readonly log?: (line: string) => void;
}

/** What a command run inside the cluster gets in its environment. */
export interface ClusterEnv {
  readonly KUBECONFIG: string;
  readonly PROMETHEUS_URL: string;
  readonly PUSHGATEWAY_URL: string;
  readonly [STATE_ENV]: string;
  readonly PATH: string;
  readonly KUBECACHEDIR: string;
}

interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  exited: boolean;
}

function sh(cmd: string, args: string[], opts: { input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why this machine cannot run the cluster, or undefined. */
export function cannotRun(): string | undefined {
  if (process.platform !== 'linux') return 'the test cluster needs Linux network namespaces';
  if (process.getuid?.() !== 0)
    return 'the test cluster needs root (network namespaces, mounts, iptables): run the tests as root, e.g. in CI or with sudo';
  const missing = missingTools();
  if (missing.length) return `the test cluster needs ${missing.join(', ')}: ${DEBIAN_INSTALL}`;
  if (!findTool(['go']))
    return "the test cluster is built from Go modules and needs Go ≥ 1.26 on the PATH (https://go.dev/doc/install; /usr/local/go/bin on this project's machines)";
  return undefined;
}

const tool = (name: string): string => {
  const found = findTool(TOOLS[name] ?? [name]);
  if (!found) throw new Error(`${name} is not installed: ${DEBIAN_INSTALL}`);
  return found;
};

/**
 * The Go garbage collector's target for the control plane and for the tests' own Go tools (kubectl, helm), unless
 * GOGC is set: the test clusters share 2 cores, and at Go's default of 100 the API servers spent about a tenth of
 * their CPU in the collector (kubectl apply about a sixth); 400 saves most of that for a few hundred MB per process.
 * The pods' programs (what the tests prove) keep their images' default: their env is the pod spec's.
 */
export const TEST_GOGC = '400';

export class Cluster {
  readonly id = randomBytes(2).toString('hex');
  readonly prefix = `cis${this.id}`;
  readonly nodeNetns = `${this.prefix}-node`;
  readonly stateDir: string;
  private readonly procs: Proc[] = [];
  private bins!: ClusterBinaries;
  private readonly log: (line: string) => void;
  private stopped = false;
  private stopping?: Promise<void>;

  constructor(private readonly options: ClusterOptions = {}) {
    this.log = options.log ?? ((l) => console.error(`cluster: ${l}`));
    this.stateDir = mkdtempSync(join(tmpdir(), 'cdk8s-interlok-scaling-cluster-'));
  }

  get kubeconfig(): string {
    return join(this.stateDir, 'pki', 'admin.kubeconfig');
  }

  env(): ClusterEnv {
    return {
      KUBECONFIG: this.kubeconfig,
      // where dist/'s Prometheus and pushgateway answer once applied (their Services)
      PROMETHEUS_URL: `http://${DEFAULT_NAMES.prometheus}.${DEFAULT_NAMES.namespace}.svc:80`,
      PUSHGATEWAY_URL: `http://${DEFAULT_NAMES.pushgateway}.${DEFAULT_NAMES.namespace}.svc:9091`,
      [STATE_ENV]: this.stateDir,
      PATH: `${join(this.stateDir, 'bin')}:${process.env.PATH}`,
      // every test cluster's API server is https://10.200.0.1:6443: kubectl's discovery cache must not be shared
      KUBECACHEDIR: join(this.stateDir, 'kube-cache'),
    };
  }

  async start(): Promise<void> {
    const why = cannotRun();
    if (why) throw new Error(why);
    this.bins = ensureBinaries(this.log);
    const t0 = Date.now();
    mkdirSync(join(this.stateDir, 'bin'));
    mkdirSync(join(this.stateDir, 'logs'));
    symlinkSync(this.bins.kubectl, join(this.stateDir, 'bin', 'kubectl'));
    this.network();
    this.certificates();
    this.startProcess('etcd', [
      'etcd',
      '--name',
      'test',
      '--data-dir',
      join(this.stateDir, 'etcd'),
      '--listen-client-urls',
      'http://127.0.0.1:2379',
      '--advertise-client-urls',
      'http://127.0.0.1:2379',
      '--listen-peer-urls',
      'http://127.0.0.1:2380',
      '--initial-advertise-peer-urls',
      'http://127.0.0.1:2380',
      '--initial-cluster',
      'test=http://127.0.0.1:2380',
      '--unsafe-no-fsync',
      '--log-level',
      'warn',
    ]);
    const pki = (f: string) => join(this.stateDir, 'pki', f);
    this.startProcess('kube-apiserver', [
      'kube-apiserver',
      '--etcd-servers=http://127.0.0.1:2379',
      `--advertise-address=${NODE_IP}`,
      `--bind-address=${NODE_IP}`,
      '--secure-port=6443',
      `--tls-cert-file=${pki('apiserver.crt')}`,
      `--tls-private-key-file=${pki('apiserver.key')}`,
      `--client-ca-file=${pki('ca.crt')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki('sa.pub')}`,
      `--service-account-signing-key-file=${pki('sa.key')}`,
      '--authorization-mode=Node,RBAC',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      `--requestheader-client-ca-file=${pki('front-proxy-ca.crt')}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${pki('front-proxy-client.crt')}`,
      `--proxy-client-key-file=${pki('front-proxy-client.key')}`,
      '--enable-aggregator-routing=true',
      `--kubelet-client-certificate=${pki('apiserver.crt')}`,
      `--kubelet-client-key=${pki('apiserver.key')}`,
      '--profiling=false',
      '--v=0',
    ]);
    await this.waitFor('the API server', async () => this.kubectlOk(['get', '--raw', '/readyz']), 60_000);
    this.startProcess('kube-controller-manager', [
      'kube-controller-manager',
      `--kubeconfig=${pki('controller-manager.kubeconfig')}`,
      `--authentication-kubeconfig=${pki('controller-manager.kubeconfig')}`,
      `--authorization-kubeconfig=${pki('controller-manager.kubeconfig')}`,
      `--root-ca-file=${pki('ca.crt')}`,
      `--service-account-private-key-file=${pki('sa.key')}`,
      `--cluster-signing-cert-file=${pki('ca.crt')}`,
      `--cluster-signing-key-file=${pki('ca.key')}`,
      '--use-service-account-credentials',
      `--controllers=${CONTROLLERS.join(',')}`,
      '--leader-elect=false',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--bind-address=127.0.0.1',
      '--secure-port=10257',
      ...(this.options.hpaSyncPeriod ? [`--horizontal-pod-autoscaler-sync-period=${this.options.hpaSyncPeriod}`] : []),
    ]);
    writeFileSync(
      pki('scheduler.yaml'),
      stringify({
        apiVersion: 'kubescheduler.config.k8s.io/v1',
        kind: 'KubeSchedulerConfiguration',
        clientConnection: { kubeconfig: pki('scheduler.kubeconfig') },
        leaderElection: { leaderElect: false },
      }),
    );
    this.startProcess('kube-scheduler', [
      'kube-scheduler',
      `--config=${pki('scheduler.yaml')}`,
      `--authentication-kubeconfig=${pki('scheduler.kubeconfig')}`,
      `--authorization-kubeconfig=${pki('scheduler.kubeconfig')}`,
      '--bind-address=127.0.0.1',
      '--secure-port=10259',
    ]);
    this.startProcess('kube-proxy', [
      'kube-proxy',
      '--proxy-mode=iptables',
      `--kubeconfig=${pki('kube-proxy.kubeconfig')}`,
      `--hostname-override=${NODE_NAME}`,
      `--cluster-cidr=${CLUSTER_CIDR}`,
      '--conntrack-max-per-core=0',
      '--healthz-bind-address=127.0.0.1:10256',
      '--metrics-bind-address=127.0.0.1:10249',
    ]);
    const agentConfig = join(this.stateDir, 'agent.json');
    writeFileSync(join(this.stateDir, 'hosts'), '127.0.0.1\tlocalhost\n');
    writeFileSync(
      agentConfig,
      JSON.stringify(
        {
          nodeName: NODE_NAME,
          nodeIP: NODE_IP,
          podCIDR: POD_CIDR,
          kubeconfig: this.kubeconfig,
          stateDir: this.stateDir,
          netnsPrefix: this.prefix,
          nodeNetns: this.nodeNetns,
          kubeBinary: this.bins.kube,
          clusterDomain: 'cluster.local',
          nodeHostsFile: join(this.stateDir, 'hosts'),
          kubeletVersion: KUBERNETES_VERSION,
          capacity: { cpu: '32', memory: '128Gi', pods: '110', 'ephemeral-storage': '100Gi' },
          images: imageRules(this.bins),
        },
        null,
        2,
      ),
    );
    this.startProcess('node-agent', ['node-agent', `--config=${agentConfig}`]);
    // `ip netns exec` gives the agent a mount namespace of its own (a slave of the host's): the names of the pods'
    // network namespaces it adds (/run/netns/<name>, bind mounts) exist only there, so `exec` enters it first
    writeFileSync(join(this.stateDir, AGENT_PID_FILE), `${this.procs[this.procs.length - 1].child.pid}\n`);
    await this.waitFor(
      `node ${NODE_NAME} Ready`,
      async () =>
        this.kubectl(['get', 'node', NODE_NAME, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status}']) ===
        'True',
      60_000,
    );
    await this.waitFor(
      'the default ServiceAccount',
      async () => this.kubectlOk(['get', 'serviceaccount', 'default', '-n', 'default']),
      60_000,
    );
    await this.startPolicyEngine();
    this.log(`cluster ${this.prefix} up in ${((Date.now() - t0) / 1000).toFixed(1)} s (state: ${this.stateDir})`);
  }

  /**
   * kube-router as a NetworkPolicy engine only (no routing, no service proxy, no CNI), in the node's namespace where
   * every pod's traffic is routed: NetworkPolicies are enforced on every cluster run. It reads the Node (its
   * InternalIP and podCIDR, which the agent writes), hence after the node is Ready. As on a real node, traffic from
   * the node itself (here the control plane and whatever `run` runs) is always let through.
   */
  private async startPolicyEngine(): Promise<void> {
    this.startProcess(
      'kube-router',
      [
        '--run-firewall=true',
        '--run-router=false',
        '--run-service-proxy=false',
        '--enable-cni=false',
        `--kubeconfig=${this.kubeconfig}`,
        `--hostname-override=${NODE_NAME}`,
        // it syncs on every change of a pod, namespace or NetworkPolicy (pkg/controllers/netpol); the period is only
        // its safety net. At 5 s, the full syncs cost an idle cluster 1 % of a core, with some 3,000 iptables runs a
        // minute across 10 test clusters
        '--iptables-sync-period=1m',
        '--health-port=0',
      ],
      this.bins.kubeRouter,
    );
    await this.waitFor(
      "kube-router's NetworkPolicy chains",
      async () =>
        spawnSync('ip', ['netns', 'exec', this.nodeNetns, 'iptables', '-w', '-S', 'KUBE-ROUTER-FORWARD'], {
          stdio: 'ignore',
        }).status === 0,
      60_000,
    );
  }

  /** The node's namespace: the control plane's address and the pods' gateway on its loopback, forwarding on. */
  private network(): void {
    const inNode = (...args: string[]) => sh('ip', ['netns', 'exec', this.nodeNetns, ...args]);
    sh('ip', ['netns', 'add', this.nodeNetns]);
    inNode('ip', 'link', 'set', 'lo', 'up');
    inNode('ip', 'addr', 'add', `${NODE_IP}/32`, 'dev', 'lo');
    inNode('ip', 'addr', 'add', `${GATEWAY}/32`, 'dev', 'lo');
    // processes of the node's own namespace reach ClusterIPs through kube-proxy's OUTPUT rules once a route exists
    inNode('ip', 'route', 'add', SERVICE_CIDR, 'dev', 'lo');
    inNode('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
  }

  private certificates(): void {
    const dir = join(this.stateDir, 'pki');
    mkdirSync(dir);
    const p = (f: string) => join(dir, f);
    const ssl = (...args: string[]) => sh('openssl', args);
    const key = (name: string) => ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', p(`${name}.key`));
    for (const ca of ['ca', 'front-proxy-ca']) {
      key(ca);
      ssl(
        'req',
        '-x509',
        '-new',
        '-key',
        p(`${ca}.key`),
        '-out',
        p(`${ca}.crt`),
        '-days',
        '2',
        '-subj',
        `/CN=cdk8s-interlok-scaling-${ca}`,
      );
    }
    const cert = (name: string, subj: string, ca: string, ext: string) => {
      key(name);
      ssl('req', '-new', '-key', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', subj);
      writeFileSync(p(`${name}.ext`), ext);
      ssl(
        'x509',
        '-req',
        '-in',
        p(`${name}.csr`),
        '-CA',
        p(`${ca}.crt`),
        '-CAkey',
        p(`${ca}.key`),
        '-CAcreateserial',
        '-out',
        p(`${name}.crt`),
        '-days',
        '2',
        '-extfile',
        p(`${name}.ext`),
      );
    };
    const client =
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
    cert(
      'apiserver',
      '/CN=kube-apiserver',
      'ca',
      'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n' +
        'extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=IP:10.200.0.1,IP:127.0.0.1,IP:10.96.0.1,DNS:kubernetes,' +
        'DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n',
    );
    cert('admin', '/O=system:masters/CN=cluster-admin', 'ca', client);
    cert('controller-manager', '/CN=system:kube-controller-manager', 'ca', client);
    cert('scheduler', '/CN=system:kube-scheduler', 'ca', client);
    cert('kube-proxy', '/CN=system:kube-proxy', 'ca', client);
    cert('front-proxy-client', '/CN=front-proxy-client', 'front-proxy-ca', client);
    key('sa');
    ssl('ec', '-in', p('sa.key'), '-pubout', '-out', p('sa.pub'));
    for (const [name, user] of [
      ['admin', 'admin'],
      ['controller-manager', 'controller-manager'],
      ['scheduler', 'scheduler'],
      ['kube-proxy', 'kube-proxy'],
    ]) {
      writeFileSync(
        p(`${name}.kubeconfig`),
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'test',
          clusters: [
            { name: 'test', cluster: { server: `https://${NODE_IP}:6443`, 'certificate-authority': p('ca.crt') } },
          ],
          users: [{ name: user, user: { 'client-certificate': p(`${name}.crt`), 'client-key': p(`${name}.key`) } }],
          contexts: [{ name: 'test', context: { cluster: 'test', user, namespace: 'default' } }],
        }),
      );
    }
  }

  /**
   * Starts `binary` (the multi-call kube binary unless given) in the node's namespace, its output in logs/<name>.log.
   */
  private startProcess(name: string, args: string[], binary = this.bins.kube): void {
    const logPath = join(this.stateDir, 'logs', `${name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn('ip', ['netns', 'exec', this.nodeNetns, binary, ...args], {
      stdio: ['ignore', fd, fd],
      env: { GOGC: TEST_GOGC, ...process.env },
    });
    closeSync(fd);
    const proc: Proc = { name, child, exited: false };
    child.on('exit', (code, signal) => {
      proc.exited = true;
      if (!this.stopped) this.log(`${name} exited (${code ?? signal}); its log: ${logPath}`);
    });
    this.procs.push(proc);
  }

  /** The last lines of a component's log, for an error message. */
  logTail(name: string, lines = 20): string {
    try {
      return readFileSync(join(this.stateDir, 'logs', `${name}.log`), 'utf8')
        .trimEnd()
        .split('\n')
        .slice(-lines)
        .join('\n');
    } catch {
      return '';
    }
  }

  private async waitFor(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = this.procs.find((p) => p.exited);
      if (dead) throw new Error(`${dead.name} exited while waiting for ${what}:\n${this.logTail(dead.name)}`);
      if (await ok().catch(() => false)) return;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await sleep(300);
    }
  }

  kubectl(args: string[], input?: string): string {
    return sh('ip', ['netns', 'exec', this.nodeNetns, this.bins.kubectl, `--kubeconfig=${this.kubeconfig}`, ...args], {
      input,
    }).trim();
  }

  private kubectlOk(args: string[]): boolean {
    return (
      spawnSync(
        'ip',
        ['netns', 'exec', this.nodeNetns, this.bins.kubectl, `--kubeconfig=${this.kubeconfig}`, ...args],
        { stdio: 'ignore' },
      ).status === 0
    );
  }

  /**
   * Runs a command in the node's namespace with kubectl on the PATH and the cluster's variables set, resolving
   * `*.svc` names through the hosts file the agent keeps; resolves to its exit code.
   */
  run(argv: string[], cwd: string): Promise<number> {
    const spec = join(this.stateDir, 'run.json');
    writeFileSync(
      spec,
      JSON.stringify({
        root: '',
        mounts: [{ source: join(this.stateDir, 'hosts'), target: '/etc/hosts' }],
        env: [],
        argv,
      }),
    );
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', this.nodeNetns, this.bins.kube, 'container-init', spec, ...argv], {
        stdio: 'inherit',
        cwd,
        env: { GOGC: TEST_GOGC, ...process.env, ...this.env() },
      });
      const forward = (sig: NodeJS.Signals) => child.kill(sig);
      process.on('SIGINT', forward).on('SIGTERM', forward);
      child.on('exit', (code, signal) => {
        process.off('SIGINT', forward).off('SIGTERM', forward);
        resolve(code ?? (signal ? 128 + (require('os').constants.signals[signal] ?? 1) : 1));
      });
    });
  }

  /** Stops every process, pods first (the agent stops theirs and deletes their namespaces), then the state. */
  stop(): Promise<void> {
    // one teardown, however many callers: `run`'s signal handler and its `finally` both await it, and the first to
    // return exits the process (returning early to the second one exited halfway, leaving the control plane running)
    this.stopping ??= this.teardown();
    return this.stopping;
  }

  private async teardown(): Promise<void> {
    this.stopped = true;
    const order = [
      'node-agent',
      'kube-router',
      'kube-proxy',
      'kube-scheduler',
      'kube-controller-manager',
      'kube-apiserver',
      'etcd',
    ];
    for (const name of order) {
      const p = this.procs.find((x) => x.name === name);
      if (!p || p.exited) continue;
      p.child.kill('SIGTERM');
      const deadline = Date.now() + (name === 'node-agent' ? 15_000 : 5_000);
      while (!p.exited && Date.now() < deadline) await sleep(100);
      if (!p.exited) p.child.kill('SIGKILL');
    }
    // whatever a killed agent left: every namespace of this cluster's prefix
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of left.split('\n')) {
      const ns = line.split(' ')[0];
      if (!ns || !ns.startsWith(`${this.prefix}-`)) continue;
      // a pod's namespace was mounted in the agent's mount namespace: here only its name file is left to remove
      if (spawnSync('ip', ['netns', 'del', ns]).status !== 0) rmSync(join('/run/netns', ns), { force: true });
    }
    if (!process.env.CDK8S_INTERLOK_SCALING_KEEP_CLUSTER_STATE) rmSync(this.stateDir, { recursive: true, force: true });
  }
}

/** What the node agent runs for each image: the real program, or (any other image) nothing, a stand-in. */
function imageRules(bins: ClusterBinaries): object[] {
  const pushgateway = tool('prometheus-pushgateway');
  return [
    // Prometheus built from its module at the stack's version: Debian's package lacks Kubernetes service discovery
    { repository: 'quay.io/prometheus/prometheus', binary: bins.prometheus },
    { repository: 'prom/prometheus', binary: bins.prometheus },
    { repository: 'quay.io/prometheus/pushgateway', binary: pushgateway },
    { repository: 'prom/pushgateway', binary: pushgateway },
    { repository: 'registry.k8s.io/prometheus-adapter/prometheus-adapter', binary: bins.prometheusAdapter },
    // KEDA's images and prometheus-operator's, for the tests that install them (test/e2e/upstream.ts)
    { repository: 'ghcr.io/kedacore/keda', binary: bins.keda.operator },
    { repository: 'ghcr.io/kedacore/keda-metrics-apiserver', binary: bins.keda.metricsApiServer },
    { repository: 'ghcr.io/kedacore/keda-admission-webhooks', binary: bins.keda.admissionWebhooks },
    { repository: 'quay.io/prometheus-operator/prometheus-operator', binary: bins.prometheusOperator.operator },
    {
      repository: 'quay.io/prometheus-operator/prometheus-config-reloader',
      binary: bins.prometheusOperator.configReloader,
    },
    // the pushgateway-deregister sidecar: its own shell script, with this machine's sh and curl
    { repository: 'curlimages/curl', command: true },
  ];
}

/** For `exec`: the network namespace of a pod of the cluster whose state dir is given. */
function podNetns(stateDir: string, namespace: string, pod: string): string {
  const file = join(stateDir, 'netns', namespace, pod);
  if (!existsSync(file)) throw new Error(`no pod ${namespace}/${pod} runs on the test cluster's node (yet)`);
  return readFileSync(file, 'utf8').trim();
}

function kubeBinaryForExec(stateDir: string): string {
  return JSON.parse(readFileSync(join(stateDir, 'agent.json'), 'utf8')).kubeBinary;
}

/**
 * `exec`'s command line: `command` in the network namespace of `namespace`/`pod`, seeing the cluster's hosts file
 * (run.json mounts it, so *.svc names resolve as they do for the pod). The pod's namespace has its name only in the
 * node agent's mount namespace (see Cluster.start): nsenter enters that first. Tests spawn it directly: through npm
 * and the tsx loader each probe cost about 1.5 CPU-seconds more.
 */
export function podExecArgv(
  stateDir: string,
  namespace: string,
  pod: string,
  command: readonly string[],
  cwd: string,
): [string, string[]] {
  return [
    'nsenter',
    [
      `--mount=${agentMountNamespace(stateDir)}`,
      `--wd=${cwd}`,
      '--',
      'ip',
      'netns',
      'exec',
      podNetns(stateDir, namespace, pod),
      kubeBinaryForExec(stateDir),
      'container-init',
      join(stateDir, 'run.json'),
      ...command,
    ],
  ];
}

/** For `exec`: the mount namespace of the node agent, where the pods' network namespaces have their names. */
function agentMountNamespace(stateDir: string): string {
  const pid = readFileSync(join(stateDir, AGENT_PID_FILE), 'utf8').trim();
  const ns = `/proc/${pid}/ns/mnt`;
  if (!existsSync(ns)) throw new Error(`the node agent (pid ${pid}) is not running`);
  return ns;
}
