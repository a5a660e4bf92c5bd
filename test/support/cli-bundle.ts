/**
 * The CLI as one bundled file (built by cli/package.json's `build` script, as the package's bin is), for the tests
 * that must run it as a process: the ES-module Kubernetes client does not load inside jest. Through the tsx loader
 * each run took about 1.5 s more CPU (every module of the client through the loader). Each test file gets a bundle of
 * its own under build/ (so that it resolves this repository's node_modules), removed after the file. The installed
 * bin itself, one run per command: test/cli-smoke.test.ts.
 */
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..', '..');

/** Call in a describe (or at the top of a file): builds before its tests, removes after; returns the bundle's path. */
export function cliBundle(): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    mkdirSync(join(root, 'build'), { recursive: true });
    dir = mkdtempSync(join(root, 'build', 'cli-bundle-'));
    // the cli package's own build script (one source for the bundle's options), writing here instead
    const cliDir = join(root, 'cli');
    const [tool, ...args] = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')).scripts.build.split(/\s+/);
    const outfile = `--outfile=${join(dir, 'cdk8s-interlok-scaling.js')}`;
    execFileSync(
      join(root, 'node_modules', '.bin', tool),
      args.map((a: string) => (a.startsWith('--outfile=') ? outfile : a)),
      { cwd: cliDir, stdio: 'pipe' },
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error('cliBundle(): the bundle is built in beforeAll; call the returned function in a test');
    return join(dir, 'cdk8s-interlok-scaling.js');
  };
}
