import { App, YamlOutputType } from 'cdk8s';
import { InterlokAutoscalingChart, synthAtomically } from './lib';

const props = { yamlOutputType: YamlOutputType.FILE_PER_CHART };
const build = (app: App) => new InterlokAutoscalingChart(app, 'interlok-autoscaling');

if (process.env.CDK8S_OUTDIR) {
  // `cdk8s synth` has already emptied its output directory and owns it
  const app = new App(props);
  build(app);
  app.synth();
} else {
  synthAtomically('dist', build, props);
}
