/**
 * The CLI as one bundled file (built by cli/package.json's `build` script, as the package's bin is), for the tests
 * that must run it outside jest's module system: the ES-module Kubernetes client does not load inside jest. Through
 * the tsx loader each run took about 1.5 s more CPU (every module of the client through the loader). Each test file
 * gets a bundle of its own under build/ (so that it resolves this repository's node_modules), removed after the file.
 * The installed bin itself, one run per command: test/cli-smoke.test.ts.
 */
import { execFileSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { MessageChannel, MessagePort, receiveMessageOnPort, Worker } from 'worker_threads';
import type { CliRun } from './cli';

const root = join(__dirname, '..', '..');
const BIN = 'cdk8s-interlok-scaling.js';
const MAIN = 'main.js';

/** The bundle's path, and the commands run in a worker thread of this process (see `CliWorker`). */
export interface CliBundle {
  (): string;
  /** Runs the command in this file's worker (`main()` of the same bundled code the bin runs). */
  run(args: string[], env?: Record<string, string>): Promise<CliRun>;
  /** As `run`, for the synchronous tests: this thread waits while the worker runs the command. */
  runSync(args: string[], env?: Record<string, string>): CliRun;
}

/** Call in a describe (or at the top of a file): builds before its tests, removes after; returns the bundle's path. */
export function cliBundle(): CliBundle {
  let dir: string | undefined;
  let worker: CliWorker | undefined;
  beforeAll(() => {
    mkdirSync(join(root, 'build'), { recursive: true });
    dir = mkdtempSync(join(root, 'build', 'cli-bundle-'));
    // the cli package's own build script (one source for the bundle's options), writing here instead; and the same
    // options for cli/main.ts, whose main() the worker calls
    const cliDir = join(root, 'cli');
    const [tool, ...args] = JSON.parse(readFileSync(join(cliDir, 'package.json'), 'utf8')).scripts.build.split(/\s+/);
    const entry = args.find((a: string) => a.endsWith('.ts'));
    for (const [file, from] of [
      [BIN, entry],
      [MAIN, '../cli/main.ts'],
    ]) {
      execFileSync(
        join(root, 'node_modules', '.bin', tool),
        args.map((a: string) =>
          a.startsWith('--outfile=') ? `--outfile=${join(dir!, file!)}` : a === entry ? from : a,
        ),
        { cwd: cliDir, stdio: 'pipe' },
      );
    }
  });
  afterAll(async () => {
    await worker?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const path = () => {
    if (!dir) throw new Error('cliBundle(): the bundle is built in beforeAll; call the returned function in a test');
    return dir;
  };
  const bundle = () => join(path(), BIN);
  bundle.run = (args: string[], env?: Record<string, string>) =>
    (worker ??= new CliWorker(join(path(), MAIN))).run(args, env);
  bundle.runSync = (args: string[], env?: Record<string, string>) =>
    (worker ??= new CliWorker(join(path(), MAIN))).runSync(args, env);
  return bundle;
}

const WORKER = `
const { workerData } = require('worker_threads');
const { main } = require(workerData.main);
const port = workerData.port;
let queue = Promise.resolve();
port.on('message', ({ id, args, env, flag }) => {
  queue = queue.then(async () => {
    const saved = {};
    for (const [k, v] of Object.entries(env)) { saved[k] = process.env[k]; process.env[k] = v; }
    let stdout = '';
    let stderr = '';
    try {
      const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; } });
      port.postMessage({ id, value: { code, stdout, stderr } });
    } catch (e) {
      port.postMessage({ id, error: String((e && e.stack) || e) });
    } finally {
      for (const [k, v] of Object.entries(saved)) { if (v === undefined) delete process.env[k]; else process.env[k] = v; }
      if (flag) { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); }
    }
  });
});
`;

/**
 * The CLI's commands in a worker thread of the test's process: the bundle and the Kubernetes client load once per
 * file instead of once per run (a doctor or preflight process cost 1.2 to 2 CPU-s, most of it loading them, and the
 * e2e files ran some 30 while 10 test clusters share 2 cores). What it writes is collected as the bin would print it
 * without a terminal (no colour, no progress). The bin itself keeps a run of its own in each file that uses this.
 */
class CliWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly pending = new Map<number, { resolve: (r: CliRun) => void; reject: (e: Error) => void }>();
  private ids = 0;

  constructor(main: string) {
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(WORKER, { eval: true, workerData: { main, port: port2 }, transferList: [port2] });
    this.port = port1;
    this.port.on('message', this.listener);
  }

  run(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const id = ++this.ids;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage({ id, args, env });
    });
  }

  runSync(args: string[], env: Record<string, string> = {}): CliRun {
    const id = ++this.ids;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    // the answer arrives on the port while this thread waits, so no listener of this thread may take it first
    this.port.off('message', this.listener);
    try {
      this.port.postMessage({ id, args, env, flag });
      if (Atomics.wait(flag, 0, 0, 300_000) === 'timed-out') throw new Error(`${args.join(' ')}: no answer in 300 s`);
      for (;;) {
        const m = receiveMessageOnPort(this.port);
        if (!m) throw new Error(`${args.join(' ')}: the worker answered nothing`);
        if (m.message.id !== id) {
          this.settle(m.message);
          continue;
        }
        if (m.message.error) throw new Error(`${args.join(' ')}: ${m.message.error}`);
        return m.message.value;
      }
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
