// A cdk8s app's code (a README example, or a test's own) synthesized as a user's shell would run it, with
// `from 'cdk8s-interlok-scaling'` pointing at this repository's lib/.
import { execFileSync } from 'child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';

const root = join(__dirname, '..', '..');

/** An app synthesized into a dist/ of its own. */
export interface SynthesizedApp {
  /** the app's dist/ */
  readonly dist: string;
  readonly objects: any[];
}

export interface Synthesized extends SynthesizedApp {
  readonly heading: string;
}

/** Runs one README example as the README has it (see synthesizeApp), in `work`/example-`n`. */
export function synthesize(work: string, n: number, heading: string, code: string): Synthesized {
  return { heading, ...synthesizeApp(work, `example-${n}`, code) };
}

/**
 * Runs `code` (an app that writes dist/ with `app.synth()`) with `from 'cdk8s-interlok-scaling'` pointing at this
 * repository's lib/, in `work`/`name`, where its App writes dist/ (CDK8S_OUTDIR unset, as in a user's shell).
 */
export function synthesizeApp(work: string, name: string, code: string): SynthesizedApp {
  const dir = join(work, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(
    join(dir, 'app.ts'),
    code.replace(/from 'cdk8s-interlok-scaling'/g, `from ${JSON.stringify(join(root, 'lib'))}`),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
  delete env.CDK8S_OUTDIR;
  execFileSync(process.execPath, ['--import', 'tsx', 'app.ts'], { cwd: dir, env, stdio: 'pipe' });
  const dist = join(dir, 'dist');
  const objects = readdirSync(dist)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf8')).map((d) => d.toJS()))
    .filter((o) => o);
  return { dist, objects };
}
