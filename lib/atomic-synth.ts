import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
} from 'fs';
import { homedir } from 'os';
import { basename, dirname, join, parse, relative, resolve, sep } from 'path';
import { App, AppProps } from 'cdk8s';

/**
 * Synthesizes into `outdir` all or nothing: the app is built and written into a staging directory beside it,
 * which replaces `outdir` only when everything succeeded. A failing synth leaves `outdir` exactly as it was;
 * a successful one leaves no file of an earlier run (an object renamed since is gone).
 *
 * As `outdir` is replaced as a whole, it is refused (and nothing touched) when it is empty, the current
 * directory or one of its parents, the filesystem root, the home directory, or a directory holding anything but
 * synthesized manifests (`*.yaml`, `*.yml`, in subdirectories too).
 */
export function synthAtomically(outdir: string, build: (app: App) => void, props: Omit<AppProps, 'outdir'> = {}): void {
  const target = checkOutdir(outdir, (props as AppProps).outputFileExtension);
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

function outdirError(value: unknown, expected: string): Error {
  return new Error(
    `[synthAtomically] outdir: got ${JSON.stringify(value) ?? String(value)}, expected ${expected}; nothing was touched`,
  );
}

/** Real path of `p`, or of its nearest existing ancestor joined with the rest. */
function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    const parent = dirname(p);
    return parent === p ? p : join(real(parent), basename(p));
  }
}

function isSameOrAncestor(dir: string, of: string): boolean {
  const rel = relative(dir, of);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && parse(rel).root === '');
}

function checkOutdir(outdir: string, extension: string | undefined): string {
  if (typeof outdir !== 'string' || outdir.trim() === '') {
    throw outdirError(outdir, 'a directory for the manifests only (such as "dist"), not empty');
  }
  const target = resolve(outdir);
  const realTarget = real(target);
  if (parse(realTarget).root === realTarget)
    throw outdirError(outdir, 'a directory for the manifests only, not the filesystem root');
  if (isSameOrAncestor(realTarget, real(process.cwd()))) {
    throw outdirError(outdir, 'a directory for the manifests only, not the current directory or one of its parents');
  }
  if (isSameOrAncestor(realTarget, real(homedir()))) {
    throw outdirError(outdir, 'a directory for the manifests only, not the home directory or one of its parents');
  }
  if (existsSync(target)) {
    if (!lstatSync(target).isDirectory())
      throw outdirError(outdir, 'a directory for the manifests only, not a file or link');
    const foreign = foreignFile(target, ['.yaml', '.yml', ...(extension ? [extension] : [])]);
    if (foreign !== undefined) {
      throw outdirError(
        outdir,
        `a directory holding synthesized manifests only (*.yaml), but it holds ${JSON.stringify(foreign)}`,
      );
    }
  }
  return target;
}

/** The first entry under `dir` that is not a manifest (or a directory of manifests), relative to `dir`. */
function foreignFile(dir: string, extensions: string[], prefix = ''): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) {
      const found = foreignFile(join(dir, entry.name), extensions, `${rel}/`);
      if (found !== undefined) return found;
    } else if (!entry.isFile() || !extensions.some((e) => entry.name.endsWith(e))) {
      return rel;
    }
  }
  return undefined;
}
