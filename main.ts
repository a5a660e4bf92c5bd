import { symlinkSync } from 'fs';
import { resolve } from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { InterlokAutoscalingChart, InterlokImage, synthAtomically } from './lib';

const DIST = 'dist';
const CLI_STAGING = '.cdk8s-staging'; // cdk8s.yaml's output

const props = { yamlOutputType: YamlOutputType.FILE_PER_CHART };
// the guide's demo image, chosen: a library user names theirs (InterlokImage.fromRegistry)
const build = (app: App) =>
  new InterlokAutoscalingChart(app, 'interlok-autoscaling', { interlok: { image: InterlokImage.guideDemo() } });
// Extras that `kubectl apply -f dist/` leaves alone: dist/extras/load-job.k8s.yaml (the guide's 150 messages)
const buildWithExtras = (app: App) => {
  build(app).synthLoadJob();
};

const requested = process.env.CDK8S_OUTDIR;
if (requested && resolve(requested) !== resolve(CLI_STAGING)) {
  // `cdk8s synth --output DIR` (or --format helm): the CLI has emptied DIR and owns it
  const app = new App(props);
  build(app);
  app.synth();
} else {
  synthAtomically(DIST, buildWithExtras, props);
  if (requested) {
    // the CLI lists (and would validate) what it finds in its output directory: point it at dist/
    symlinkSync(DIST, CLI_STAGING, 'dir');
  }
}
