// Sends a bounded number of HTTP requests and reports what came back: the guide's JMeter plan (load.jmx, GETs to
// /in-box) without JMeter:
//   kubectl port-forward svc/interlok 8080 &
//   npx cdk8s-interlok-scaling load --url http://localhost:8080/in-box --count 150
import { Command } from 'commander';
import { CliContext } from '../context';
import { parseDuration } from '../duration';
import { CheckFailed, UsageError } from '../errors';
import { percentile, sendRequests } from '../http-load';
import { colours } from '../style';

interface Options {
  readonly url: string;
  readonly count: string;
  readonly concurrency: string;
  readonly rate?: string;
  readonly duration: string;
  readonly method: string;
  readonly body?: string;
  readonly header: string[];
  readonly timeout: string;
  readonly json?: boolean;
}

function int(option: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${option}: got "${text}", expected a whole number from ${min} to ${max}`);
  return n;
}

export interface LoadReport {
  readonly url: string;
  readonly method: string;
  readonly requests: number;
  readonly statusCounts: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly latencyMs: { p50: number; p95: number; p99: number; max: number };
  readonly durationSeconds: number;
  readonly throughputPerSecond: number;
  readonly stoppedByDuration: boolean;
}

export function loadCommand(ctx: CliContext): Command {
  return new Command('load')
    .summary(
      "send a bounded number of HTTP requests (the guide's JMeter plan) and report status counts, errors, latency",
    )
    .description(
      'Sends --count requests (at most --concurrency at a time, at most --rate per second, stopping after ' +
        '--duration whatever happened; a request counts once it is answered or failed), then prints the requests, the status counts, errors, latency ' +
        'percentiles and throughput. Exits 1 if any request failed (an error, a timeout or a status outside 2xx).',
    )
    .requiredOption(
      '--url <url>',
      'the URL, e.g. http://localhost:8080/in-box through kubectl port-forward svc/interlok 8080',
    )
    .requiredOption('--count <n>', 'how many requests (1 to 1000000)')
    .option('--concurrency <n>', 'requests in flight at once', '1')
    .option('--rate <n>', 'at most this many requests per second overall')
    .option('--duration <duration>', 'stop after this long even if --count is not reached', '60s')
    .option('--method <method>', 'HTTP method', 'GET')
    .option('--body <text>', 'request body')
    .option(
      '--header <name:value>',
      'a request header (repeatable)',
      (v: string, all: string[]) => [...all, v],
      [] as string[],
    )
    .option('--timeout <duration>', 'a request without an answer by then fails', '10s')
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  npx cdk8s-interlok-scaling load --url http://localhost:8080/in-box --count 150\n' +
        "  npx cdk8s-interlok-scaling load --url http://localhost:8080/in-box --count 1000 --concurrency 4 --rate 50 --method POST --body '<msg/>'",
    )
    .action(async (opts: Options) => {
      let url: URL;
      try {
        url = new URL(opts.url);
      } catch {
        throw new UsageError(`--url: got "${opts.url}", expected an http:// or https:// URL`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new UsageError(`--url: got "${opts.url}", expected an http:// or https:// URL`);
      const count = int('--count', opts.count, 1, 1_000_000);
      const concurrency = Math.min(count, int('--concurrency', opts.concurrency, 1, 1000));
      const rate = opts.rate === undefined ? undefined : int('--rate', opts.rate, 1, 1_000_000);
      const duration = parseDuration('--duration', opts.duration).toSeconds();
      if (duration < 1 || duration > 3600) throw new UsageError(`--duration: got ${opts.duration}, expected 1s to 1h`);
      const timeout = parseDuration('--timeout', opts.timeout).toSeconds();
      if (timeout < 1 || timeout > 600) throw new UsageError(`--timeout: got ${opts.timeout}, expected 1s to 10m`);
      const method = opts.method.toUpperCase();
      if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method: got "${opts.method}"`);
      const headers: Record<string, string> = {};
      for (const h of opts.header) {
        const i = h.indexOf(':');
        if (i < 1) throw new UsageError(`--header: got "${h}", expected name:value`);
        headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
      }

      const progress = ctx.stderrIsTTY;
      let done = 0;
      const started = Date.now();
      const ticker = progress
        ? setInterval(
            () => ctx.stderr(`\r${done}/${count} requests, ${((Date.now() - started) / 1000).toFixed(0)} s`),
            200,
          )
        : undefined;
      const result = await sendRequests({
        url,
        count,
        concurrency,
        rate,
        durationMs: duration * 1000,
        timeoutMs: timeout * 1000,
        method,
        body: opts.body,
        headers,
        onDone: (n) => {
          done = n;
        },
      }).finally(() => {
        if (ticker) {
          clearInterval(ticker);
          ctx.stderr('\r\x1b[K');
        }
      });
      const { statusCounts, stoppedByDuration } = result;
      const answered = Object.values(statusCounts).reduce((a, b) => a + b, 0);
      const seconds = (Date.now() - started) / 1000;
      const latencies = [...result.latenciesMs].sort((a, b) => a - b);
      const ms = (p: number) => Math.round(percentile(latencies, p));
      const report: LoadReport = {
        url: url.toString(),
        method,
        requests: answered + result.errors,
        statusCounts,
        errors: result.errors,
        timeouts: result.timeouts,
        latencyMs: { p50: ms(50), p95: ms(95), p99: ms(99), max: ms(100) },
        durationSeconds: Math.round(seconds * 100) / 100,
        throughputPerSecond: Math.round(((answered + result.errors) / Math.max(seconds, 0.001)) * 10) / 10,
        stoppedByDuration,
      };
      const failed =
        report.errors +
        Object.entries(statusCounts)
          .filter(([c]) => !c.startsWith('2'))
          .reduce((a, [, n]) => a + n, 0);
      if (opts.json) ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
      else {
        const c = colours(ctx);
        const codes =
          Object.entries(statusCounts)
            .map(([code, n]) => `${code.startsWith('2') ? c.green(code) : c.red(code)}: ${n}`)
            .join(', ') || 'none';
        ctx.stdout(
          [
            `${method} ${report.url}`,
            `requests    ${report.requests} of ${count}${stoppedByDuration ? ` (stopped after --duration ${opts.duration})` : ''}`,
            `status      ${codes}`,
            `errors      ${report.errors === 0 ? '0' : c.red(String(report.errors))}${report.timeouts ? ` (${report.timeouts} timeouts)` : ''}`,
            `latency     p50 ${report.latencyMs.p50} ms, p95 ${report.latencyMs.p95} ms, p99 ${report.latencyMs.p99} ms, max ${report.latencyMs.max} ms`,
            `throughput  ${report.throughputPerSecond} requests/s over ${report.durationSeconds} s`,
            '',
          ].join('\n'),
        );
      }
      if (report.errors > 0) {
        const codes = Object.entries(result.errorCodes)
          .map(([code, n]) => `${code}: ${n}`)
          .join(', ');
        throw new CheckFailed(`${report.errors} request(s) got no answer (${codes}; is ${url.host} reachable?)`);
      }
      if (failed > 0) throw new CheckFailed(`${failed} request(s) answered outside 2xx`);
      if (report.requests < count) {
        // the only thing that ends a run early is --duration: say why it was too short
        const needed =
          rate !== undefined && count / rate > duration
            ? `at --rate ${rate} per second, ${count} requests need ${Math.ceil(count / rate)} s`
            : `the server answered ${report.throughputPerSecond} requests per second`;
        throw new CheckFailed(
          `only ${report.requests} of ${count} requests sent before --duration ${opts.duration} ran out (${needed})`,
        );
      }
    });
}
