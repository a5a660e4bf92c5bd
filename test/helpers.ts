import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  InterlokAutoscalingChart,
  InterlokAutoscalingChartProps,
  InterlokDeployment,
  InterlokDeploymentProps,
  InterlokImage,
} from '../lib';

export type Manifest = Record<string, any>;

/** The guide's demo image, which this repository's main.ts runs: the tests' Interloks unless a test names one. */
export const DEMO_IMAGE = InterlokImage.guideDemo();

type DemoInterlokProps = Omit<InterlokDeploymentProps, 'image'> & { readonly image?: InterlokImage };
/** Chart props whose Interlok runs DEMO_IMAGE unless given an image. */
export type DemoChartProps = Omit<InterlokAutoscalingChartProps, 'interlok'> & {
  readonly interlok?: DemoInterlokProps;
};

/** With DEMO_IMAGE when no image is given; a block that is no object is passed on as it is, for bad-input tests. */
function withDemoImage<T>(props: T): T {
  const plain = props === undefined || (props !== null && typeof props === 'object' && !Array.isArray(props));
  return plain ? ({ ...props, image: (props as DemoInterlokProps | undefined)?.image ?? DEMO_IMAGE } as T) : props;
}

/** An InterlokAutoscalingChart whose first Interlok runs DEMO_IMAGE unless the props name an image. */
export function demoChart(scope: Construct, id: string, props: DemoChartProps = {}): InterlokAutoscalingChart {
  const plain = props !== null && typeof props === 'object' && !Array.isArray(props);
  return new InterlokAutoscalingChart(
    scope,
    id,
    (plain ? { ...props, interlok: withDemoImage(props.interlok) } : props) as InterlokAutoscalingChartProps,
  );
}

/** An InterlokDeployment running DEMO_IMAGE unless the props name an image. */
export function demoInterlok(scope: Construct, id: string, props: DemoInterlokProps = {}): InterlokDeployment {
  return new InterlokDeployment(scope, id, withDemoImage(props) as InterlokDeploymentProps);
}

/** The default stack's objects (main.ts's: the demo image), as `cdk8s synth` writes them. */
export function synthStack(props: DemoChartProps = {}): Manifest[] {
  return Testing.synth(demoChart(Testing.app(), 'interlok-autoscaling', props));
}

/** A chart to put single constructs in. */
export function emptyChart(): Chart {
  return new Chart(Testing.app(), 'test');
}

export function synthChart(scope: Construct): Manifest[] {
  return Testing.synth(Chart.of(scope));
}

export function find(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${kind} ${name}, found ${found.length} among ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`,
    );
  }
  return found[0];
}

export function container(deployment: Manifest, name?: string): Manifest {
  const containers = deployment.spec.template.spec.containers;
  return name ? containers.find((c: Manifest) => c.name === name) : containers[0];
}

export function env(c: Manifest): Record<string, Manifest> {
  return Object.fromEntries((c.env ?? []).map((e: Manifest) => [e.name, e]));
}

/**
 * Runs the README's ts example under `heading` as a user's app would (importing this repository instead of the
 * package) and returns the objects it synthesized.
 */
export function runReadmeExample(heading: string): Manifest[] {
  const { execFileSync } = require('child_process');
  const { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('fs');
  const { join } = require('path');
  const { parseAllDocuments } = require('yaml');
  const root = join(__dirname, '..');
  const readme: string = readFileSync(join(root, 'README.md'), 'utf-8');
  const section = readme.split(/\n(?=#+ )/).find((s) => s.replace(/^#+ /, '').startsWith(heading));
  const code = section && /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  if (!code) throw new Error(`no ts example under "${heading}" in README.md`);
  mkdirSync(join(root, 'build'), { recursive: true });
  const dir = mkdtempSync(join(root, 'build', 'example-'));
  try {
    writeFileSync(join(dir, 'example.ts'), code.replace("from 'cdk8s-interlok-scaling'", "from '../../lib'"));
    execFileSync(process.execPath, ['--import', 'tsx', join(dir, 'example.ts')], {
      cwd: dir,
      env: { ...process.env, CDK8S_OUTDIR: join(dir, 'out') },
      stdio: 'pipe',
    });
    // an example may write files apart (the load Job in extras/): every manifest it writes counts
    return (readdirSync(join(dir, 'out'), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) => parseAllDocuments(readFileSync(join(dir, 'out', f), 'utf-8')).map((d: any) => d.toJSON()));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
