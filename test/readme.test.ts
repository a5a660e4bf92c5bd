import { readFileSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf-8');

describe('README', () => {
  test('its first lines give the command that produces dist/ and the one that runs every test', () => {
    const top = readme.split('\n').slice(0, 6).join('\n');
    expect(top).toContain('npm install && npm run synth');
    expect(top).toContain('npm test');
    const scripts = require('../package.json').scripts;
    expect(scripts.synth).toBeDefined();
    // npm test runs test:unit and test:cluster (scripts/run-tests.ts), both jest in CI mode
    expect(scripts.test).toContain('scripts/run-tests.ts');
    expect(scripts['test:unit']).toBe('jest --ci --selectProjects unit');
    expect(scripts.lint).toBe('eslint --max-warnings 0 . && prettier --check .');
    expect(scripts['test:cluster']).toContain('jest --ci -c test/e2e/jest.config.js');
    expect(readFileSync(join(root, '.ci', 'run'), 'utf-8')).toMatch(/^npm test$/m);
  });

  // the reaction-time table and the table of objects: test/readme-tables.test.ts, row by row against dist/

  test('what a user must know before applying, on teardown, NetworkPolicies and port 6443', () => {
    // the deploy fails loudly instead of merging into what the cluster runs (test/e2e/takeover.e2e.ts runs it)
    expect(readme).toMatch(
      /## Deploy\n\n```sh\nnpx cdk8s-interlok-scaling preflight dist\/ && kubectl apply --server-side --field-manager=cdk8s-interlok-scaling -f dist\/\n```/,
    );
    expect(readme).toContain('### Upgrading from 0.1.x');
    expect(readme).toMatch(
      /### Teardown[\s\S]*kubectl delete apiservice v1beta1\.custom\.metrics\.k8s\.io v1beta1\.external\.metrics\.k8s\.io\nkubectl delete -f dist\//,
    );
    expect(readme).toContain('### NetworkPolicies need a CNI that enforces them');
    expect(readme).toMatch(/Private GKE[\s\S]*--allow tcp:6443/);
    expect(readme).toMatch(/EKS with an overlay CNI[\s\S]*hostNetwork: true/);
    expect(readme).toContain('`-Dnetworkaddress.cache.ttl=30` is a Java *security*');
  });

  test('the API section lists exactly what the package exports: lib/index.ts and the API report agree', () => {
    const section = /\n## API\n([\s\S]*?)\n## /.exec(readme)![1];
    const rows = section.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| what'));
    const documented = rows.flatMap((l) => [...l.split('|')[2]!.matchAll(/`(\w+)`/g)].map((m) => m[1]!)).sort();
    const report = readFileSync(join(root, 'api', 'cdk8s-interlok-scaling.api.md'), 'utf-8');
    const reported = [
      ...report.matchAll(/^export (?:declare )?(?:abstract )?(?:class|interface|function|const|type|enum) (\w+)/gm),
    ]
      .map((m) => m[1]!)
      .sort();
    expect(documented).toEqual(reported);
    // the values among them are what the entry point exports at run time
    const runtime = Object.keys(require('../lib')).sort();
    expect(runtime.every((name) => documented.includes(name))).toBe(true);
    for (const internal of [
      'checkPeer',
      'requirePeers',
      'ingressPolicy',
      'expandTemplate',
      'PUSHGATEWAY_SERVICE',
      'KIND_ORDER',
    ]) {
      expect(runtime).not.toContain(internal);
    }
  });

  // every ```ts example, "Using the constructs on their own" included, compiles strictly and runs against the packed
  // library in test/consumer.test.ts (one tsc program for all of them), and on a real cluster in
  // test/e2e/readme-examples.e2e.ts
});
