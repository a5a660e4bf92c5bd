// One test cluster's share of `npm test`'s e2e files, taken from a queue that every test cluster of the run reads
// (scripts/run-tests.ts makes it): `node --import tsx scripts/e2e-queue.ts <queue dir>`, inside `npm run cluster --
// run`. The queue holds one entry per file, longest first; a cluster takes the next entry when its last file ends,
// so that a file that runs long here does not hold back the files dealt after it, and the clusters finish close
// together. Taking is a rename into the queue's `taken/` directory: atomic, so each file runs once. Each file is a
// jest run of its own on this cluster; the exit code is non-zero if any failed.
import { spawn } from 'child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'fs';
import { join } from 'path';

const queue = process.argv[2];
if (!queue) {
  console.error('usage: e2e-queue.ts <queue dir>');
  process.exit(2);
}
const root = join(__dirname, '..');
const taken = join(queue, 'taken');
mkdirSync(taken, { recursive: true });

/** The next entry this cluster takes, or undefined when the queue is empty. */
function take(): string | undefined {
  for (const entry of readdirSync(queue)
    .filter((e) => e !== 'taken')
    .sort()) {
    const to = join(taken, entry);
    try {
      renameSync(join(queue, entry), to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // another cluster took it first
      throw e;
    }
    return readFileSync(to, 'utf8').trim();
  }
  return undefined;
}

let stopping = false;

/** One file's jest run, its output straight through; the signal that stops this runner stops it too. */
function jest(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'node_modules', '.bin', 'jest'),
        '--ci',
        '-c',
        'test/e2e/jest.config.js',
        '--verbose',
        '--runTestsByPath',
        file,
      ],
      { cwd: root, stdio: 'inherit' },
    );
    const forward = (signal: NodeJS.Signals) => {
      stopping = true;
      child.kill(signal);
    };
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (code) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(code === 0); // killed by a signal of its own (the OOM killer): a failed file, and the queue goes on
    });
  });
}

async function main(): Promise<number> {
  const ran: string[] = [];
  let failed = false;
  for (;;) {
    if (stopping) return 130;
    const file = take();
    if (file === undefined) break;
    const t0 = Date.now();
    const ok = await jest(file);
    failed ||= !ok;
    ran.push(`${ok ? 'passed' : 'FAILED'} ${Math.round((Date.now() - t0) / 1000)} s  ${file}`);
  }
  console.error(
    `\nthis test cluster ran:\n${ran.map((l) => `  ${l}`).join('\n') || '  nothing (the queue was empty)'}`,
  );
  return failed ? 1 : 0;
}

process.once('SIGINT', () => (stopping = true)).once('SIGTERM', () => (stopping = true));
main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`e2e-queue: ${(e as Error).message}`);
    process.exit(1);
  },
);
