import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { InterlokAutoscalingChart, InterlokAutoscalingChartProps } from '../lib';

export type Manifest = Record<string, any>;

/** The default stack's objects, as `cdk8s synth` writes them. */
export function synthStack(props: InterlokAutoscalingChartProps = {}): Manifest[] {
  return Testing.synth(new InterlokAutoscalingChart(Testing.app(), 'interlok-autoscaling', props));
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
    throw new Error(`expected one ${kind} ${name}, found ${found.length} among ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
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
