// Prints a values file for the prometheus-community prometheus-adapter chart serving the default rule:
//   npm run -s adapter-values > adapter-values.yaml && helm upgrade prometheus-adapter ... -f adapter-values.yaml
import { Chart, Testing } from 'cdk8s';
import { AdapterRule } from '../lib';

const chart = new Chart(Testing.app(), 'values');
process.stdout.write(AdapterRule.helmValuesYaml([new AdapterRule(chart, 'Rule')]));
