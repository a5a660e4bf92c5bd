// Prints a values file for the prometheus-community prometheus-adapter chart, for clusters that run their own
// adapter and Prometheus:
//   npx cdk8s-interlok-scaling adapter-values --scrape-interval 30s > values.yaml
//   helm upgrade --reuse-values -f values.yaml <release> prometheus-community/prometheus-adapter
import { App, Chart } from 'cdk8s';
import { Command } from 'commander';
import { AdapterRule } from '../../lib';
import { parseDuration } from '../duration';
import { UsageError } from '../errors';
import { CliContext } from '../context';

interface Options {
  readonly seriesName: string;
  readonly metricName?: string;
  readonly scrapeInterval: string;
  readonly staleAfter?: string;
  readonly external: boolean;
}

export function adapterValuesCommand(ctx: CliContext): Command {
  return new Command('adapter-values')
    .summary('print a prometheus-adapter Helm values file with the MessageMetrics rule')
    .description(
      'Prints a values file for the prometheus-community prometheus-adapter chart, with the rule that ' +
        'serves the metric Interlok pushes as a Pods custom metric, scoped per namespace and pod, and its sum over a ' +
        "Deployment's pods as an External metric (AdapterRule.helmValuesYaml). It switches the chart's default rules " +
        'off: they discover every series. With the external rule the chart registers v1beta1.external.metrics.k8s.io, ' +
        'which KEDA registers too: leave it out with --no-external where KEDA runs.',
    )
    .option('--series-name <name>', 'the series Interlok pushes', 'MessageMetrics')
    .option('--metric-name <name>', 'the custom metric the HPA asks for (default: the series name)')
    .option('--scrape-interval <duration>', 'how often your Prometheus scrapes the pushgateway (30s, 1m, PT30S)', '10s')
    .option(
      '--stale-after <duration>',
      'a pod whose last push is older reads 0 (default: 10s push + scrape interval + 10s)',
    )
    .option(
      '--no-external',
      'only the Pods rule, for clusters whose external metrics API is taken (KEDA); the HPA then needs ScaleMetric.podsAverage()',
    )
    .addHelpText(
      'after',
      [
        '',
        'Example (your Prometheus scrapes the pushgateway every 30 s):',
        '  npx cdk8s-interlok-scaling adapter-values --scrape-interval 30s > values.yaml',
        '  helm upgrade --reuse-values -f values.yaml <release> prometheus-community/prometheus-adapter',
      ].join('\n'),
    )
    .action((opts: Options) => {
      // an App that never synthesizes (Testing.app() would leave a temporary folder behind)
      const chart = new Chart(new App(), 'values');
      let rule: AdapterRule;
      try {
        rule = new AdapterRule(chart, 'Rule', {
          seriesName: opts.seriesName,
          metricName: opts.metricName,
          scrapeInterval: parseDuration('--scrape-interval', opts.scrapeInterval),
          staleAfter: opts.staleAfter === undefined ? undefined : parseDuration('--stale-after', opts.staleAfter),
          external: opts.external,
        });
      } catch (e) {
        if (e instanceof UsageError) throw e;
        // the construct's own check, "[values/Rule] staleAfter: got 20 s, expected ...": name the option instead
        throw new UsageError(
          String((e as Error).message)
            .replace(/^\[[^\]]*\] /, '')
            .replace(/^(\w+):/, (_, prop: string) => `--${prop.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}:`),
        );
      }
      ctx.stdout(AdapterRule.helmValuesYaml([rule]));
    });
}
