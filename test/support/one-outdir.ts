/**
 * cdk8s's `Testing.app()` makes a new `cdk8s.outdir.*` folder in the system temporary directory on every call and
 * never removes it (about 2,300 per `npm test`). Here each test file's apps write under one folder of its own,
 * created only if an app really synthesizes, and removed after the file.
 */
import { rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, AppProps, Testing } from 'cdk8s';

const root = join(tmpdir(), `cdk8s-interlok-scaling-test.${process.pid}.${Math.random().toString(36).slice(2)}`);
let n = 0;
// App creates its outdir only when it synthesizes: most apps of the tests never do
Testing.app = (props?: AppProps) => new App({ outdir: join(root, String(++n)), ...props });

afterAll(() => rmSync(root, { recursive: true, force: true }));
