// Prints a values file for the prometheus-community prometheus-adapter chart, for clusters that run their own
// adapter and Prometheus:
//   npm run -s adapter-values -- --scrape-interval 30s > values.yaml
//   helm upgrade --reuse-values -f values.yaml <release> prometheus-community/prometheus-adapter
import { parseArgs } from 'util';
import { Chart, Duration, Testing } from 'cdk8s';
import { AdapterRule } from '../lib';

const { values } = parseArgs({
  options: {
    'series-name': { type: 'string', default: 'MessageMetrics' },
    'metric-name': { type: 'string' },
    'scrape-interval': { type: 'string', default: '10s' },
    'stale-after': { type: 'string' },
  },
});
// Duration.parse takes ISO 8601; accept Prometheus style (30s, 1m) as well
const duration = (text: string | undefined) => (text === undefined ? undefined
  : Duration.parse(/^P/.test(text) ? text : `PT${text.toUpperCase()}`));

const chart = new Chart(Testing.app(), 'values');
const rule = new AdapterRule(chart, 'Rule', {
  seriesName: values['series-name'],
  metricName: values['metric-name'],
  scrapeInterval: duration(values['scrape-interval']),
  staleAfter: duration(values['stale-after']),
});
process.stdout.write(AdapterRule.helmValuesYaml([rule]));
