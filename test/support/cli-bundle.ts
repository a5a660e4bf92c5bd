/**
 * The CLI as one bundled file (built by cli/package.json's `build` script, as the package's bin is), for the tests
 * that must run it outside jest's module system: the ES-module Kubernetes client does not load inside jest. Through
 * the tsx loader each run took about 1.5 s more CPU (every module of the client through the loader). Each test file
 * gets a bundle of its own under build/ (so that it resolves this repository's node_modules), built when first used
 * and removed after the file. The installed bin itself, one run per command: test/cli-smoke.test.ts.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { MessageChannel, MessagePort, Worker } from 'worker_threads';
import { callSync, nextCallId } from './sync-call';
import type { CliRun } from './cli';

const root = join(__dirname, '..', '..');
const BIN = 'cdk8s-interlok-scaling.js';
const MAIN = 'main.js';

/** The bin bundle's path, and the commands run in a worker thread of this process (see `CliWorker`). */
export interface CliBundle {
  (): string;
  /**
   * Runs the command in this file's worker: `main()` of the same bundled code the bin runs, with this process's
   * environment and `env` over it, in this process's directory (which must be the repository's, as a worker thread
   * cannot change directory).
   */
  run(args: string[], env?: Record<string, string>): Promise<CliRun>;
  /** As `run`, for the synchronous tests: this thread waits while the worker runs the command. */
  runSync(args: string[], env?: Record<string, string>): CliRun;
}

/** Call in a describe (or at the top of a file): builds when first used, removes after the file. */
export function cliBundle(): CliBundle {
  let dir: string | undefined;
  let worker: CliWorker | undefined;
  afterAll(async () => {
    await worker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  /** One file of the bundle, built on first use by the cli package's own build script (one source for its options). */
  const built = (file: string, entry?: string): string => {
    if (!dir) {
      mkdirSync(join(root, 'build'), { recursive: true });
      dir = mkdtempSync(join(root, 'build', 'cli-bundle-'));
    }
    const out = join(dir, file);
    if (!existsSync(out)) {
      const cliDir = join(root, 'cli');
      const script: string = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')).scripts.build;
      const [tool, ...args] = script.split(/\s+/);
      const binEntry = args.find((a) => a.endsWith('.ts'));
      execFileSync(
        join(root, 'node_modules', '.bin', tool!),
        args.map((a) => (a.startsWith('--outfile=') ? `--outfile=${out}` : a === binEntry ? (entry ?? a) : a)),
        { cwd: cliDir, stdio: 'pipe' },
      );
    }
    return out;
  };
  const inWorker = () => {
    if (process.cwd() !== root)
      throw new Error(`the CLI worker runs in ${root}: run jest there, not in ${process.cwd()}`);
    return (worker ??= new CliWorker(built(MAIN, '../cli/main.ts')));
  };
  const bundle = () => built(BIN);
  bundle.run = (args: string[], env?: Record<string, string>) => inWorker().run(args, env);
  bundle.runSync = (args: string[], env?: Record<string, string>) => inWorker().runSync(args, env);
  return bundle;
}

// A run's environment replaces the worker's for the run (a worker's process.env is its own copy, taken when it
// starts); a rejection the CLI leaves unhandled fails the run, as it would fail the bin, instead of the worker.
const WORKER = `
const { workerData } = require('worker_threads');
let main, loadError;
try { ({ main } = require(workerData.main)); } catch (e) { loadError = e; }
let stray;
process.on('unhandledRejection', (e) => { stray ??= e; });
const port = workerData.port;
let queue = Promise.resolve();
port.on('message', ({ id, args, env, flag }) => {
  queue = queue.then(async () => {
    const saved = { ...process.env };
    for (const k of Object.keys(process.env)) delete process.env[k];
    Object.assign(process.env, env);
    stray = undefined;
    let stdout = '';
    let stderr = '';
    try {
      if (loadError) throw loadError;
      const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
      if (stray) throw stray;
      port.postMessage({ id, value: { code, stdout, stderr } });
    } catch (e) {
      port.postMessage({ id, error: String((e && e.stack) || e) });
    } finally {
      for (const k of Object.keys(process.env)) delete process.env[k];
      Object.assign(process.env, saved);
      if (flag) { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); }
    }
  });
});
`;

/**
 * The CLI's commands in a worker thread of the test's process: the bundle and the Kubernetes client load once per
 * file instead of once per run (a doctor or preflight process cost 1.2 to 2 CPU-s, most of it loading them, and the
 * e2e files ran some 30 of them). What it writes is collected as the bin would print it without a terminal (no
 * colour, no progress). The e2e files keep a run of the bin itself each; cli-smoke.test.ts runs the installed one.
 */
class CliWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly pending = new Map<number, { resolve: (r: CliRun) => void; reject: (e: Error) => void }>();
  private dead?: Error;

  constructor(main: string) {
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(WORKER, { eval: true, workerData: { main, port: port2 }, transferList: [port2] });
    this.port = port1;
    this.port.on('message', this.listener);
    const died = (why: Error) => {
      this.dead ??= why;
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    };
    this.worker.on('error', (e) => died(new Error(`the CLI worker failed: ${e.stack ?? e}`)));
    this.worker.on('exit', (code) => died(new Error(`the CLI worker exited (${code})`)));
  }

  run(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    if (this.dead) return Promise.reject(this.dead);
    const id = nextCallId();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ id, args, env: { ...process.env, ...env } });
    });
  }

  runSync(args: string[], env: Record<string, string> = {}): CliRun {
    if (this.dead) throw this.dead;
    // the answer arrives on the port while this thread waits, so no listener of this thread may take it first
    this.port.off('message', this.listener);
    try {
      return callSync<CliRun>(this.port, { args, env: { ...process.env, ...env } }, args.join(' '), 300_000, (m) =>
        this.settle(m as any),
      );
    } finally {
      this.port.on('message', this.listener);
    }
  }

  private readonly listener = (m: any) => this.settle(m);

  private settle(m: { id: number; value?: CliRun; error?: string }): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(new Error(m.error));
    else p.resolve(m.value!);
  }

  async close(): Promise<void> {
    this.port.close();
    await this.worker.terminate();
  }
}
