// A cdk8s app's code (a README example, or a test's own) synthesized as a user's shell would run it, with
// `from 'cdk8s-interlok-scaling'` pointing at this repository's lib/.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'fs';
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
  const dist = join(dir, 'dist');
  const cached = synthCache(code);
  if (cached && existsSync(cached)) {
    cpSync(cached, dist, { recursive: true });
  } else {
    const env: NodeJS.ProcessEnv = { ...process.env, CDK8S_CHECK_UPGRADE: 'false' };
    delete env.CDK8S_OUTDIR;
    execFileSync(process.execPath, ['--import', 'tsx', 'app.ts'], { cwd: dir, env, stdio: 'pipe' });
    if (cached) {
      // whole or not at all: another test cluster's file may synthesize the same app at the same time
      const tmp = `${cached}.${process.pid}`;
      cpSync(dist, tmp, { recursive: true });
      try {
        renameSync(tmp, cached);
      } catch {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  }
  const objects = readdirSync(dist)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(dist, f), 'utf8')).map((d) => d.toJS()))
    .filter((o) => o);
  return { dist, objects };
}

/**
 * `npm test` synthesizes each README example in several e2e files (on several test clusters): the first writes its
 * dist/ to the run's cache (CDK8S_INTERLOK_SCALING_SYNTH_CACHE, which scripts/run-tests.ts makes and removes), keyed
 * by the app's code (lib/ is the same throughout one run), and the others copy it. Without the variable every file
 * synthesizes its own.
 */
function synthCache(code: string): string | undefined {
  const root = process.env.CDK8S_INTERLOK_SCALING_SYNTH_CACHE;
  return root ? join(root, createHash('sha256').update(code).digest('hex').slice(0, 24)) : undefined;
}
