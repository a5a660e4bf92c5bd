// One fleet synthesis in a fresh process, for bench/bench.ts: N Interloks on one stack, written to a temp dir.
// Compiled JS (build/), as an app that installed the package runs it. Prints its timings and peak RSS as JSON.
const start = process.hrtime.bigint();
const { mkdtempSync, rmSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');
const { App } = require('cdk8s');
const { InterlokAutoscalingChart, InterlokConfig, InterlokImage } = require('../build/lib');

const n = Number(process.argv[2]);
const outdir = mkdtempSync(join(tmpdir(), 'interlok-fleet-'));
const loaded = process.hrtime.bigint();
const app = new App({ outdir });
const image = InterlokImage.fromRegistry('registry.example.com/interlok:3.12.0');
const chart = new InterlokAutoscalingChart(app, 'fleet', { interlok: { image } });
// 20 teams (namespaces); every other Interlok has its own adapter.xml pushing a second metric name
const invoices = InterlokConfig.fromStrings({
  adapterXml:
    '<adapter><message-metrics-interceptor><unique-id>Invoice-Metrics</unique-id></message-metrics-interceptor></adapter>',
});
for (let i = 1; i < n; i++) {
  chart.addInterlok(`I${i}`, {
    image,
    name: `interlok-${i}`,
    namespace: `team-${i % 20}`,
    ...(i % 2 ? {} : { config: invoices }),
  });
}
const built = process.hrtime.bigint();
app.synth();
const done = process.hrtime.bigint();
rmSync(outdir, { recursive: true, force: true });
const ms = (a, b) => Number(b - a) / 1e6;
process.stdout.write(
  JSON.stringify({
    n,
    loadMs: ms(start, loaded),
    constructMs: ms(loaded, built),
    synthMs: ms(built, done),
    totalMs: ms(start, done),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  }),
);
