/**
 * The CLI as one bundled file (esbuild, as cli/package.json builds the package's bin), for the tests that must run
 * it as a process: the ES-module Kubernetes client does not load inside jest. Through the tsx loader each run took
 * about 1.5 s more CPU (every module of the client through the loader). Each test file gets a bundle of its own under
 * build/ (so that it resolves this repository's node_modules), removed after the file. The installed bin itself, one
 * run per command: test/cli-smoke.test.ts.
 */
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..', '..');

/** Call in a describe (or at the top of a file): builds before its tests, removes after; returns the bundle's path. */
export function cliBundle(): () => string {
  let dir: string | undefined;
  beforeAll(() => {
    mkdirSync(join(root, 'build'), { recursive: true });
    dir = mkdtempSync(join(root, 'build', 'cli-bundle-'));
    buildSync({
      entryPoints: [join(root, 'bin', 'cdk8s-interlok-scaling.ts')],
      bundle: true,
      platform: 'node',
      packages: 'external',
      format: 'cjs',
      target: 'node20',
      outfile: join(dir, 'cdk8s-interlok-scaling.js'),
      logLevel: 'warning',
    });
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    if (!dir) throw new Error('cliBundle(): the bundle is built in beforeAll; call the returned function in a test');
    return join(dir, 'cdk8s-interlok-scaling.js');
  };
}
