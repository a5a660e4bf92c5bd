/**
 * The packages as a user gets them: the library and the CLI (the workspace in cli/) packed (in a copy of the
 * repository, with a stale file planted in build/), the library installed from its tarball into a fresh cdk8s app
 * (measuring what it adds), then the CLI; every ```ts block of the README compiled and run there verbatim with a
 * strict tsconfig of its own, and the CLI run from its installed package.
 */
import { execFileSync, spawnSync } from 'child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { parseAllDocuments } from 'yaml';
import { readmeExamples } from './readme-examples';

const root = join(__dirname, '..');
const pkg = require('../package.json');
const cliPkg = require('../cli/package.json');
const readme = readFileSync(join(root, 'README.md'), 'utf-8');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const versionOf = (name: string): string => require(`${name}/package.json`).version;

/** The files the library must hold, derived from the sources: compiled library with declarations, docs. */
function expectedFiles(): string[] {
  const ts = (dir: string): string[] =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf-8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map((f) => `${dir}/${f.replace(/\\/g, '/').replace(/\.ts$/, '')}`);
  return [
    ...['lib', 'imports'].flatMap(ts).flatMap((f) => [`build/${f}.js`, `build/${f}.d.ts`]),
    'CHANGELOG.md',
    'LICENSE',
    'README.md',
    'package.json',
  ].sort();
}

function yamlObjects(dir: string): any[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf-8')).map((d) => d.toJS()))
    .filter((o) => o);
}

const SYSTEM_NAMESPACES = ['default', 'kube-system'];

/**
 * The installed packages under `dir`/node_modules (nested ones too) and their bytes on disk, as `du --apparent-size`.
 */
function footprint(dir: string): { packages: Set<string>; bytes: number } {
  const packages = new Set<string>();
  let bytes = 0;
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path, r);
      else if (e.isFile()) {
        bytes += statSync(path).size;
        const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/@][^/]*)\/package\.json$/.exec(r);
        if (m && !r.slice(0, -m[0].length).includes('/package.json'))
          packages.add(`${r.slice(0, r.length - '/package.json'.length)}`);
      }
    }
  };
  walk(join(dir, 'node_modules'), 'node_modules');
  return { packages, bytes };
}

/** Packages only the CLI needs: its dependencies that the library neither depends on nor has as peers. */
const CLI_ONLY = Object.keys(cliPkg.dependencies).filter(
  (d) => !(d in pkg.dependencies) && !(d in pkg.peerDependencies),
);

describe('the package as a user installs it', () => {
  let work: string;
  let copy: string;
  let app: string;
  let dryRunFiles: string[];
  let packedFiles: string[];
  let cliPackedFiles: string[];
  let tarballNames: string[];
  let added: { packages: string[]; mib: number; baseMib: number };
  const examples = readmeExamples(readme);

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'consumer-'));
    // a copy of the sources: npm pack empties build/, which other tests use in the repository
    copy = join(work, 'pkg');
    mkdirSync(copy);
    for (const f of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'tsconfig.json',
      'tsconfig.build.json',
      'lib',
      'imports',
      'cli',
      'bin',
    ]) {
      cpSync(join(root, f), join(copy, f), {
        recursive: true,
        filter: (src) => !src.startsWith(join(root, 'cli', 'build')),
      });
    }
    symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
    const plantStale = () => {
      mkdirSync(join(copy, 'build', 'lib'), { recursive: true });
      writeFileSync(join(copy, 'build', 'lib', 'old-removed.js'), 'module.exports = "removed long ago";\n');
    };
    const pack = (...args: string[]): Array<{ name: string; filename: string; files: Array<{ path: string }> }> =>
      JSON.parse(
        execFileSync(npm, ['pack', '--json', ...args], {
          cwd: copy,
          encoding: 'utf-8',
          stdio: ['ignore', 'pipe', 'pipe'],
        }),
      );

    plantStale();
    dryRunFiles = pack('--dry-run')[0]!
      .files.map((f) => f.path)
      .sort();
    plantStale();
    // the README's one command for both tarballs
    const packs = pack('--workspaces', '--include-workspace-root', '--pack-destination', work);
    expect(packs.map((p) => p.name)).toEqual([pkg.name, cliPkg.name]);
    const [packed, cliPacked] = packs as [(typeof packs)[0], (typeof packs)[0]];
    tarballNames = packs.map((p) => p.filename);
    packedFiles = packed.files.map((f) => f.path).sort();
    const tarball = join(work, packed.filename);
    cliPackedFiles = cliPacked.files.map((f) => f.path).sort();
    const cliTarball = join(work, cliPacked.filename);

    // a fresh cdk8s app with a strict tsconfig of its own (as `tsc --init` writes it, but skipLibCheck off, so that
    // the package's declarations are checked under the user's settings too)
    app = join(work, 'app');
    mkdirSync(join(app, 'src'), { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'consumer-app', version: '0.0.0', private: true }, null, 2),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            target: 'ES2022',
            module: 'commonjs',
            lib: ['ES2022'],
            types: ['node'],
            rootDir: 'src',
            outDir: 'out',
            strict: true,
            noUncheckedIndexedAccess: true,
            esModuleInterop: true,
            skipLibCheck: false,
          },
          include: ['src'],
        },
        null,
        2,
      ),
    );
    const install = (...specs: string[]) =>
      // no install scripts: the only one (backport's, under cdk8s-plus-27) writes a config in the home directory
      // and nothing into node_modules
      execFileSync(
        npm,
        ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--loglevel=error', ...specs],
        { cwd: app, stdio: 'pipe' },
      );
    // what the library adds to an app that has cdk8s, cdk8s-plus-27 and constructs already
    install(
      `cdk8s@${versionOf('cdk8s')}`,
      `cdk8s-plus-27@${versionOf('cdk8s-plus-27')}`,
      `constructs@${versionOf('constructs')}`,
    );
    const base = footprint(app);
    install(tarball);
    const withLibrary = footprint(app);
    added = {
      packages: [...withLibrary.packages].filter((p) => !base.packages.has(p)).sort(),
      mib: (withLibrary.bytes - base.bytes) / 2 ** 20,
      baseMib: base.bytes / 2 ** 20,
    };
    // the app compiles with this repository's TypeScript (the pinned version; 23 MiB less to unpack), against the
    // app's own node_modules
    install(cliTarball, `@types/node@${versionOf('@types/node')}`);
    examples.forEach((e, i) => writeFileSync(join(app, 'src', `example-${i + 1}.ts`), e.code));
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('npm pack ships exactly the compiled library with declarations, README, LICENSE and CHANGELOG', () => {
    expect(dryRunFiles).toEqual(expectedFiles());
    expect(packedFiles).toEqual(dryRunFiles);
    expect(packedFiles).not.toContain('build/lib/old-removed.js'); // the stale file planted in build/
    expect(packedFiles.filter((f) => /(^|\/)(test|__snapshots__|dist|scripts|node_modules)\//.test(f))).toEqual([]);
    const manifest = JSON.parse(
      readFileSync(join(app, 'node_modules', 'cdk8s-interlok-scaling', 'package.json'), 'utf-8'),
    );
    expect(manifest.version).toBe(pkg.version);
    expect(manifest.repository.url).toMatch(/^git\+https:\/\//);
    expect(manifest.license).toBe('Apache-2.0');
    expect(readFileSync(join(app, 'node_modules', 'cdk8s-interlok-scaling', 'LICENSE'), 'utf-8')).toContain(
      'Apache License',
    );
  });

  test('the library adds at most 5 MiB and no package only the CLI needs to an app with cdk8s, cdk8s-plus-27 and constructs', () => {
    // measured when the CLI moved out: 53 MiB base; the library added ~1 MiB (itself, yaml, fast-xml-parser, strnum)
    expect(added.packages).toContain('node_modules/cdk8s-interlok-scaling');
    expect(added.packages.filter((p) => CLI_ONLY.some((d) => p.endsWith(`node_modules/${d}`)))).toEqual([]);
    expect(CLI_ONLY).toEqual(expect.arrayContaining(['commander', 'echarts', 'asciichart', 'picocolors']));
    expect(added.mib).toBeLessThanOrEqual(5);
    expect(added.baseMib).toBeGreaterThan(20); // the base really holds cdk8s and cdk8s-plus-27
  });

  test("the README's one pack command writes the two tarballs it names", () => {
    const install = /## Install\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(install).toContain('npm pack --workspaces --include-workspace-root');
    expect(tarballNames).toEqual([`${pkg.name}-${pkg.version}.tgz`, `${cliPkg.name}-${cliPkg.version}.tgz`]);
    for (const name of tarballNames) expect(install).toContain(name);
  });

  test("the CLI package ships one bundled bin, README, LICENSE and package.json, and has the library's version", () => {
    expect(cliPackedFiles).toEqual(['LICENSE', 'README.md', 'build/cdk8s-interlok-scaling.js', 'package.json']);
    expect(cliPkg.version).toBe(pkg.version);
    expect(cliPkg.bin).toEqual({ 'cdk8s-interlok-scaling': 'build/cdk8s-interlok-scaling.js' });
  });

  test('the README has the examples this test runs', () => {
    expect(examples.map((e) => e.heading)).toEqual(
      expect.arrayContaining([
        'Install',
        'Using the constructs on their own (clusters that run part of the chain)',
        'A fleet: many Interloks on one stack',
        'KEDA instead of the HPA and adapter',
        'A cluster that runs kube-prometheus-stack',
        'Interlok 4.1+ and 5.x: Prometheus scrapes the pods',
      ]),
    );
  });

  test('every README example compiles in the app, strict and with noUncheckedIndexedAccess, against the installed package', () => {
    const r = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: app, encoding: 'utf-8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  describe.each(examples.map((e, i) => [i + 1, e.heading] as const))('README example %d (%s)', (n, heading) => {
    let objects: any[];
    let run: string;
    beforeAll(() => {
      run = join(work, `run-${n}`);
      mkdirSync(run);
      // an app's node main.js: resolves the packages from the app's node_modules
      const env = { ...process.env };
      delete env.CDK8S_OUTDIR; // as in a user's shell: the App writes dist/
      execFileSync(process.execPath, [join(app, 'out', `example-${n}.js`)], { cwd: run, stdio: 'pipe', env });
      objects = yamlObjects(join(run, 'dist'));
    });

    test("synthesizes Kubernetes objects into namespaces that exist: emitted, the cluster's, or an Interlok's (used, never emitted)", () => {
      expect(objects.length).toBeGreaterThan(0);
      for (const o of objects) {
        expect(typeof o.apiVersion).toBe('string');
        expect(typeof o.kind).toBe('string');
        expect(o.metadata.name).toMatch(/^[a-z0-9.:-]+$/);
      }
      const created = objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name);
      const used = [...new Set(objects.map((o) => o.metadata.namespace).filter(Boolean))];
      const interloks = objects
        .filter((o) => o.kind === 'Deployment' && o.metadata.labels?.['app.kubernetes.io/name'] === 'interlok')
        .map((o) => o.metadata.namespace);
      expect(
        used.filter((ns) => !created.includes(ns) && !SYSTEM_NAMESPACES.includes(ns) && !interloks.includes(ns)),
      ).toEqual([]);
    });

    test('the objects the README says', () => {
      const names = (kind: string) =>
        objects
          .filter((o) => o.kind === kind)
          .map((o) => o.metadata.name)
          .sort();
      if (heading === 'A fleet: many Interloks on one stack') {
        expect(names('HorizontalPodAutoscaler')).toEqual([
          'invoices-autoscaler',
          'orders-autoscaler',
          'returns-autoscaler',
          'shipping-autoscaler',
        ]);
        // the teams' namespaces are theirs: used, never emitted (a teardown would delete them)
        expect(names('Namespace')).toEqual(['interlok-scaling']);
      } else if (heading === 'Install') {
        // the whole stack and, apart in extras/, the load Job: the same files as the repository's dist/
        expect(readdirSync(join(run, 'dist')).sort()).toEqual(['extras', 'interlok-autoscaling.k8s.yaml']);
        for (const f of ['interlok-autoscaling.k8s.yaml', 'extras/load-job.k8s.yaml']) {
          expect(readFileSync(join(run, 'dist', f), 'utf-8')).toBe(readFileSync(join(root, 'dist', f), 'utf-8'));
        }
        expect(names('Deployment')).toEqual([
          'interlok',
          'interlok-scaling-adapter',
          'interlok-scaling-prometheus',
          'interlok-scaling-pushgateway',
        ]);
        expect(names('HorizontalPodAutoscaler')).toEqual(['interlok-autoscaler']);
      } else if (heading === 'KEDA instead of the HPA and adapter') {
        // KEDA: a ScaledObject instead of our HPA, adapter and APIServices
        expect(names('HorizontalPodAutoscaler')).toEqual([]);
        expect(names('APIService')).toEqual([]);
        expect(names('Deployment')).toEqual([
          'interlok',
          'interlok-scaling-prometheus',
          'interlok-scaling-pushgateway',
        ]);
        const so = objects.find((o) => o.kind === 'ScaledObject');
        expect(so.spec).toMatchObject({
          minReplicaCount: 1,
          maxReplicaCount: 5,
          pollingInterval: 15,
          fallback: { failureThreshold: 3, replicas: 2 },
        });
        expect(so.spec.triggers[0]).toMatchObject({
          type: 'prometheus',
          metricType: 'AverageValue',
          metadata: { threshold: '100', serverAddress: 'http://interlok-scaling-prometheus.interlok-scaling.svc:80' },
        });
        expect(so.spec.triggers[0].metadata.query).toContain(
          'MessageMetrics{k8s_namespace="default",k8s_pod_name=~"interlok-',
        );
      } else if (heading === 'A cluster that runs kube-prometheus-stack') {
        // kube-prometheus-stack: no Prometheus of ours, a ServiceMonitor the stack selects
        expect(names('Deployment')).toEqual(['interlok', 'interlok-scaling-adapter', 'interlok-scaling-pushgateway']);
        const sm = objects.find((o) => o.kind === 'ServiceMonitor');
        expect(sm.metadata).toMatchObject({
          namespace: 'interlok-monitoring',
          labels: { release: 'kube-prometheus-stack' },
        });
        expect(sm.spec.endpoints[0]).toMatchObject({ honorLabels: true, interval: '30s' });
        const adapter = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'interlok-scaling-adapter');
        expect(adapter.spec.template.spec.containers[0].args).toContain(
          '--prometheus-url=http://kube-prometheus-stack-prometheus.monitoring.svc:9090/',
        );
      } else if (heading === 'Interlok 4.1+ and 5.x: Prometheus scrapes the pods') {
        // Interlok 5 scraped: no pushgateway, pod discovery, KEDA on workflow_count_total
        expect(names('Deployment')).toEqual(['interlok', 'interlok-scaling-prometheus']);
        expect(objects.find((o) => o.kind === 'Role').metadata.namespace).toBe('integration');
        const so = objects.find((o) => o.kind === 'ScaledObject');
        expect(so.metadata.namespace).toBe('integration');
        expect(so.spec.triggers[0].metadata.query).toContain(
          'increase(workflow_count_total{namespace="integration",pod=~"interlok-',
        );
        expect(so.spec.triggers[0].metadata.query).toContain('workflow="in-box-workflow@in-box-channel"}[1m]');
      } else if (heading.startsWith('Using the constructs on their own')) {
        expect(names('Namespace')).toEqual(['integration']);
        expect(names('HorizontalPodAutoscaler')).toHaveLength(1);
        const deployments = objects.filter((o) => o.kind === 'Deployment');
        expect(deployments).toHaveLength(2);
        for (const d of deployments) {
          const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: any) => [e.name, e]));
          expect(env.JAVA_OPTS.value).toContain('-DprometheusEndpointUrl=pushgateway.observability.svc:9091');
          expect(env.K8S_NAMESPACE.valueFrom).toEqual({
            fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' },
          });
        }
        expect(deployments.map((d) => d.metadata.namespace ?? 'default').sort()).toEqual(['default', 'integration']);
        const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
        expect(hpa.metadata.namespace).toBe('integration');
        expect(hpa.spec.metrics[0].external.metric).toEqual({
          name: 'interlok_messagemetrics',
          selector: { matchLabels: { deployment: 'interlok' } },
        });
        // how the rule reaches the user's adapter
        const values = parseAllDocuments(readFileSync(join(run, 'adapter-values.yaml'), 'utf-8'))[0]!.toJS();
        expect(values.rules.default).toBe(false);
        expect(values.rules.custom[0].name.as).toBe('MessageMetrics');
        expect(values.rules.external[0].name.as).toBe('interlok_messagemetrics');
        expect(values.rules.custom[0].metricsQuery).toMatch(/^max by \(<<\.GroupBy>>\)/);
      }
    });
  });

  describe('the CLI from the installed package', () => {
    // the linked bin itself; npm exec (as npx finds it) once, in the first test: each npm start costs a second of CPU
    const cli = (...args: string[]) =>
      spawnSync(join(app, 'node_modules', '.bin', 'cdk8s-interlok-scaling'), args, { cwd: app, encoding: 'utf-8' });

    test('is linked as a bin, npm exec finds it, and it answers --version and --help', () => {
      expect(statSync(join(app, 'node_modules', '.bin', 'cdk8s-interlok-scaling')).isFile()).toBe(true);
      const npx = spawnSync(npm, ['exec', '--no', '--', 'cdk8s-interlok-scaling', '--version'], {
        cwd: app,
        encoding: 'utf-8',
      });
      expect(npx).toMatchObject({ status: 0, stdout: `${pkg.version}\n` });
      const help = cli('adapter-values', '--help');
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('--scrape-interval <duration>');
    });

    test('explain, doctor, load and simulate answer --help, and run from the installed package (its own dependencies)', () => {
      for (const [cmd, opt] of [
        ['explain', '--json'],
        ['doctor', '--prometheus <url>'],
        ['load', '--count <n>'],
        ['simulate', '--load <profile>'],
      ]) {
        const help = cli(cmd!, '--help');
        expect(help.status).toBe(0);
        expect(help.stdout).toContain(opt);
      }
      const svg = join(app, 'burst.svg');
      const sim = cli('simulate', join(root, 'dist'), '--load', 'burst', '--svg', svg);
      expect(sim.stderr).toBe('');
      expect(sim.stdout).toMatch(/330 s\s+2 → 1/);
      expect(readFileSync(svg, 'utf-8')).toMatch(/^<svg/);
      const explain = cli('explain', join(root, 'dist'), '--json');
      expect(explain.status).toBe(0);
      expect(
        JSON.parse(explain.stdout)[0].decisions.map((d: { desiredReplicas: number }) => d.desiredReplicas),
      ).toEqual([1, 2, 5]);
    });

    test('adapter-values prints the values file', () => {
      const r = cli('adapter-values', '--scrape-interval', '30s');
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const values = parseAllDocuments(r.stdout)[0]!.toJS();
      expect(values.rules.default).toBe(false);
      // stale after push 10 s + scrape 30 s + 10 s
      expect(values.rules.custom[0].metricsQuery).toContain('< bool 50))');
    });

    test('bad usage: exit 2 and one line', () => {
      const r = cli('adapter-values', '--scrape-interval', 'soon');
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        'cdk8s-interlok-scaling: error: --scrape-interval: got "soon", expected a duration like 30s, 1m, 1h30m or ISO 8601 PT30S\n',
      );
    });

    test('runs from the build inside node_modules, not from this repository', () => {
      const target = require('fs').realpathSync(join(app, 'node_modules', '.bin', 'cdk8s-interlok-scaling'));
      expect(relative(app, target)).toBe(
        join('node_modules', 'cdk8s-interlok-scaling-cli', 'build', 'cdk8s-interlok-scaling.js'),
      );
    });
  });
});
