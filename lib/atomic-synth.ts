import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'fs';
import { basename, dirname, join, resolve } from 'path';
import { App, AppProps } from 'cdk8s';

/**
 * Synthesizes into `outdir` all or nothing: the app is built and written into a staging directory beside it,
 * which replaces `outdir` only when everything succeeded. A failing synth leaves `outdir` exactly as it was;
 * a successful one leaves no file of an earlier run (an object renamed since is gone).
 */
export function synthAtomically(outdir: string, build: (app: App) => void, props: Omit<AppProps, 'outdir'> = {}): void {
  const target = resolve(outdir);
  mkdirSync(dirname(target), { recursive: true });
  const staging = mkdtempSync(join(dirname(target), `.${basename(target)}.staging-`));
  chmodSync(staging, 0o755);
  try {
    const app = new App({ ...props, outdir: staging });
    build(app);
    app.synth();
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  const previous = `${staging}.previous`;
  if (existsSync(target)) renameSync(target, previous);
  renameSync(staging, target);
  rmSync(previous, { recursive: true, force: true });
}
