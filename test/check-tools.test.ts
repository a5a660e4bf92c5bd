import { spawnSync } from 'child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { DEBIAN_INSTALL, DEBIAN_PACKAGES, MACOS_INSTALL, missingTools } from '../scripts/check-tools';

/** What the test cluster (test/cluster) runs besides Prometheus and curl. */
const CLUSTER_TOOLS = ['ip', 'iptables', 'ipset', 'openssl', 'sysctl'];

const root = join(__dirname, '..');
/** `npm test`'s pretest, as npm runs it, on a PATH of our choosing. */
const pretest = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-tools.ts'], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf-8',
  });

describe('the tool check before the tests (npm pretest)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'check-tools-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('passes silently when the tools are there', () => {
    expect(missingTools()).toEqual([]);
    const r = pretest({});
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('without the tools and no way to install them: one message with both install commands, exit 1, no stack', () => {
    const r = pretest({ PATH: dir, CDK8S_INTERLOK_SCALING_NO_INSTALL: '1' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('prometheus, prometheus-pushgateway, promtool');
    expect(lines[0]).toContain('curl');
    expect(lines[0]).toContain(DEBIAN_INSTALL);
    expect(lines[0]).toContain(MACOS_INSTALL);
    expect(DEBIAN_INSTALL).toContain(
      'apt-get install -y --no-install-recommends prometheus prometheus-pushgateway curl',
    );
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('Homebrew names the pushgateway `pushgateway`: found too', () => {
    // the test cluster's tools keep their names everywhere
    for (const name of ['prometheus', 'pushgateway', 'promtool', 'curl', ...CLUSTER_TOOLS]) {
      writeFileSync(join(dir, name), '#!/bin/sh\n');
      chmodSync(join(dir, name), 0o755);
    }
    expect(missingTools(dir)).toEqual([]);
  });

  const rootOnDebian = process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/etc/debian_version');
  (rootOnDebian ? test : test.skip)('as root on Debian: installs the packages with apt-get, then passes', () => {
    // a stand-in apt-get that records its arguments and "installs" the programs
    const log = join(dir, 'apt.log');
    writeFileSync(
      join(dir, 'apt-get'),
      [
        '#!/bin/sh',
        `echo "$@" >> ${log}`,
        'if [ "$1" = install ]; then',
        ...['prometheus', 'prometheus-pushgateway', 'promtool', 'curl', ...CLUSTER_TOOLS].map(
          (t) => `  echo '#!/bin/sh' > ${join(dir, t)}; /bin/chmod 755 ${join(dir, t)}`,
        ),
        'fi',
      ].join('\n'),
    );
    chmodSync(join(dir, 'apt-get'), 0o755);
    const r = pretest({ PATH: dir, CDK8S_INTERLOK_SCALING_NO_INSTALL: '' });
    expect(r.status).toBe(0);
    expect(readFileSync(log, 'utf-8')).toBe(
      `update\ninstall -y --no-install-recommends ${DEBIAN_PACKAGES.join(' ')}\n`,
    );
  });
});
