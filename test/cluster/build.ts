// Builds the test cluster's Go binaries from pinned modules into a cache outside the repository, keyed by what
// goes into them, so that a second run finds them and starts in seconds. A cold build takes about 6 minutes on
// 2 cores (kube: 5 min, prometheus-adapter: 2 min, kube-router: 1.5 min, more while other work shares the cores);
// KEDA's three programs add about 400 s of 2 idle cores (seen: 1023 s of CPU, 62 min on cores shared with four other
// builds and clusters) and prometheus-operator with its config reloader about 100 s (seen: 26 min so shared).
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'fs';
import { homedir } from 'os';
import { join } from 'path';

export const KUBERNETES_VERSION = 'v1.37.2';
export const PROMETHEUS_ADAPTER_MODULE = 'sigs.k8s.io/prometheus-adapter';
export const PROMETHEUS_ADAPTER_VERSION = 'v0.12.0';
// The NetworkPolicy engine of the test cluster. v2.1.0 is the only version the Go module proxy serves here (checked
// on 2026-11-29: `go mod download -json …@latest` resolves to v2.1.0; v2.1.3 and v2.5.0 are refused, 403), and
// security advisories are reported against it: it runs only inside the test cluster's own network namespaces (the
// node's, where it writes iptables/ipset rules that exist nowhere else), never on a real node or the host's.
export const KUBE_ROUTER_MODULE = 'github.com/cloudnativelabs/kube-router/v2';
export const KUBE_ROUTER_VERSION = 'v2.1.0';
/**
 * Prometheus itself, as the stack deploys it (quay.io/prometheus/prometheus:v2.53.4; the module's versions are v0.x for
 * Prometheus 2.x). Debian's prometheus package is built without Kubernetes service discovery (its 2.42 refuses
 * `kubernetes_sd_configs`: "field kubernetes_sd_configs not found in type config.ScrapeConfig"), which scrape mode and
 * every configuration prometheus-operator generates use.
 */
export const PROMETHEUS_MODULE = 'github.com/prometheus/prometheus';
export const PROMETHEUS_MODULE_VERSION = 'v0.53.4';
export const PROMETHEUS_VERSION = 'v2.53.4';
/**
 * KEDA and prometheus-operator: their CRDs (the README's KEDA and kube-prometheus-stack examples), their manifests and
 * their programs (operator, metrics API server and admission webhooks; the operator and its config reloader), all
 * from these projects' own Go modules.
 */
export const KEDA_MODULE = 'github.com/kedacore/keda/v2';
export const KEDA_VERSION = 'v2.21.0';
export const PROMETHEUS_OPERATOR_MODULE = 'github.com/prometheus-operator/prometheus-operator';
export const PROMETHEUS_OPERATOR_VERSION = 'v0.85.0';

const goModuleDir = join(__dirname, 'go');
/**
 * prometheus-operator's module zip lacks its nested ./pkg/client module, which its go.mod replaces with a local path,
 * so it does not build inside its own directory: this wrapper requires it (go.mod's `tool` lines) and builds it.
 */
const prometheusOperatorModuleDir = join(__dirname, 'prometheus-operator');

export function cacheRoot(): string {
  return (
    process.env.CDK8S_INTERLOK_SCALING_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'cdk8s-interlok-scaling')
  );
}

export interface ClusterBinaries {
  /** etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy and the node agent */
  readonly kube: string;
  /**
   * kubectl, a binary of its own (cmd/kubectl, the same module): what the tests call, hundreds of times a file. Inside
   * the multi-call binary each call also initialised every control-plane package, about twice the CPU.
   */
  readonly kubectl: string;
  readonly prometheusAdapter: string;
  /** kube-router, run as a NetworkPolicy engine only */
  readonly kubeRouter: string;
  /** KEDA's three programs, as its images run them (`/keda`, `/keda-adapter`, `/keda-admission-webhooks`) */
  readonly keda: { readonly operator: string; readonly metricsApiServer: string; readonly admissionWebhooks: string };
  readonly prometheusOperator: { readonly operator: string; readonly configReloader: string };
  /** Prometheus with its Kubernetes service discovery (see PROMETHEUS_MODULE) */
  readonly prometheus: string;
}

/** The cache key of the kube binary: the Kubernetes version and every file of its module. */
function kubeKey(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(goModuleDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(go|mod|sum)$/.test(f))
    .sort()) {
    hash.update(file).update(readFileSync(join(goModuleDir, file)));
  }
  return `kube-${KUBERNETES_VERSION}-${hash.digest('hex').slice(0, 12)}`;
}

export function binaryPaths(): ClusterBinaries {
  const bin = join(cacheRoot(), 'bin');
  return {
    kube: join(bin, kubeKey(), 'kube'),
    kubectl: join(bin, kubeKey(), 'kubectl'),
    prometheusAdapter: join(bin, `prometheus-adapter-${PROMETHEUS_ADAPTER_VERSION}`, 'adapter'),
    kubeRouter: join(bin, `kube-router-${KUBE_ROUTER_VERSION}`, 'kube-router'),
    keda: {
      operator: join(bin, `keda-${KEDA_VERSION}`, 'operator'),
      metricsApiServer: join(bin, `keda-${KEDA_VERSION}`, 'adapter'),
      admissionWebhooks: join(bin, `keda-${KEDA_VERSION}`, 'webhooks'),
    },
    prometheusOperator: {
      operator: join(bin, prometheusOperatorKey(), 'operator'),
      configReloader: join(bin, prometheusOperatorKey(), 'prometheus-config-reloader'),
    },
    prometheus: join(bin, `prometheus-${PROMETHEUS_VERSION}`, 'prometheus'),
  };
}

/** The wrapper's go.mod and go.sum pin every module that goes into prometheus-operator's binaries. */
function prometheusOperatorKey(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(prometheusOperatorModuleDir, file)));
  return `prometheus-operator-${PROMETHEUS_OPERATOR_VERSION}-${hash.digest('hex').slice(0, 12)}`;
}

function go(args: string[], cwd: string, log: (line: string) => void): string {
  log(`go ${args.join(' ')}   (in ${cwd})`);
  const r = spawnSync('go', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GOFLAGS: '-buildvcs=false' },
  });
  if (r.error)
    throw new Error(`cannot run go (${r.error.message}): the test cluster is built from Go modules; install Go ≥ 1.26`);
  if (r.status !== 0) throw new Error(`go ${args.join(' ')} failed in ${cwd}:\n${r.stderr}`);
  return r.stdout;
}

function buildInto(target: string, build: (out: string) => void, log: (line: string) => void): void {
  if (existsSync(target)) return;
  const dir = join(target, '..');
  mkdirSync(dir, { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  const started = Date.now();
  try {
    build(partial);
    renameSync(partial, target); // whole or not at all: a run that was stopped leaves nothing half-built
  } finally {
    rmSync(partial, { force: true });
  }
  log(`built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Several programs of one module in one `go build` (they share its packages; Go writes each into the directory `-o`
 * names), cached as a directory: whole or not at all, like buildInto.
 */
function buildDirInto(targets: string[], build: (outDir: string) => void, log: (line: string) => void): void {
  if (targets.every((t) => existsSync(t))) return;
  const dir = join(targets[0]!, '..');
  const partial = `${dir}.${process.pid}.partial`;
  const started = Date.now();
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  try {
    build(`${partial}/`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
  log(`built ${dir} in ${Math.round((Date.now() - started) / 1000)} s`);
}

/** Builds what is missing; returns the paths. */
export function ensureBinaries(log: (line: string) => void = (l) => console.error(`cluster: ${l}`)): ClusterBinaries {
  const paths = binaryPaths();
  const version = KUBERNETES_VERSION.replace(/^v/, '').split('.');
  const ldflags = [
    '-s -w',
    `-X k8s.io/component-base/version.gitVersion=${KUBERNETES_VERSION}`,
    `-X k8s.io/component-base/version.gitMajor=${version[0]}`,
    `-X k8s.io/component-base/version.gitMinor=${version[1]}`,
  ].join(' ');
  for (const [target, pkg] of [
    [paths.kube, '.'],
    [paths.kubectl, './cmd/kubectl'],
  ] as const) {
    buildInto(target, (out) => go(['build', '-trimpath', '-ldflags', ldflags, '-o', out, pkg], goModuleDir, log), log);
  }
  buildInto(
    paths.prometheusAdapter,
    (out) => {
      // `go install …@v0.12.0` is refused here (the registry will not list the module's versions for its
      // deprecation check); building inside the downloaded module uses its own go.mod and go.sum.
      go(
        ['build', '-trimpath', '-ldflags', '-s -w', '-o', out, './cmd/adapter'],
        downloadModule(PROMETHEUS_ADAPTER_MODULE, PROMETHEUS_ADAPTER_VERSION, log),
        log,
      );
    },
    log,
  );
  buildInto(
    paths.kubeRouter,
    (out) => {
      // the same way: inside the downloaded module (its main package is cmd/kube-router); about 80 s
      go(
        ['build', '-trimpath', '-ldflags', '-s -w', '-o', out, './cmd/kube-router'],
        downloadModule(KUBE_ROUTER_MODULE, KUBE_ROUTER_VERSION, log),
        log,
      );
    },
    log,
  );
  // inside the downloaded module as well: its go.mod has replace lines, so it cannot be `go install`ed (about 400 s)
  buildDirInto(
    [paths.keda.operator, paths.keda.metricsApiServer, paths.keda.admissionWebhooks],
    (outDir) => {
      go(
        ['build', '-trimpath', '-ldflags', '-s -w', '-o', outDir, './cmd/operator', './cmd/adapter', './cmd/webhooks'],
        downloadModule(KEDA_MODULE, KEDA_VERSION, log),
        log,
      );
    },
    log,
  );
  buildInto(
    paths.prometheus,
    (out) => {
      // inside the downloaded module (its go.mod replaces klog); the web UI is served from files, not embedded
      go(
        [
          'build',
          '-trimpath',
          '-ldflags',
          ['-s -w', `-X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION.replace(/^v/, '')}`].join(
            ' ',
          ),
          '-o',
          out,
          './cmd/prometheus',
        ],
        downloadModule(PROMETHEUS_MODULE, PROMETHEUS_MODULE_VERSION, log),
        log,
      );
    },
    log,
  );
  buildDirInto(
    [paths.prometheusOperator.operator, paths.prometheusOperator.configReloader],
    (outDir) => {
      go(
        [
          'build',
          '-trimpath',
          '-ldflags',
          '-s -w',
          '-o',
          outDir,
          `${PROMETHEUS_OPERATOR_MODULE}/cmd/operator`,
          `${PROMETHEUS_OPERATOR_MODULE}/cmd/prometheus-config-reloader`,
        ],
        prometheusOperatorModuleDir,
        log,
      );
    },
    log,
  );
  return paths;
}

/** The directory of a module downloaded (not built) into Go's module cache. */
export function downloadModule(module: string, version: string, log: (line: string) => void): string {
  const info = JSON.parse(go(['mod', 'download', '-json', `${module}@${version}`], goModuleDir, log));
  if (!info.Dir) throw new Error(`go mod download gave no directory for ${module}@${version}: ${info.Error ?? ''}`);
  return info.Dir;
}

function yamlFilesIn(dir: string): string[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(dir, f));
  if (files.length === 0) throw new Error(`no CRD YAML in ${dir}`);
  return files;
}

/**
 * The CRD manifests of KEDA (ScaledObject, TriggerAuthentication, ...) and of prometheus-operator (ServiceMonitor,
 * PodMonitor, Prometheus, ...), as those projects publish them in their modules: downloaded only, nothing is built.
 */
export function crdFiles(log: (line: string) => void = () => undefined): {
  keda: string[];
  prometheusOperator: string[];
} {
  return {
    keda: yamlFilesIn(join(downloadModule(KEDA_MODULE, KEDA_VERSION, log), 'config', 'crd', 'bases')),
    prometheusOperator: yamlFilesIn(
      join(
        downloadModule(PROMETHEUS_OPERATOR_MODULE, PROMETHEUS_OPERATOR_VERSION, log),
        'example',
        'prometheus-operator-crd',
      ),
    ),
  };
}

if (require.main === module) {
  ensureBinaries();
}
