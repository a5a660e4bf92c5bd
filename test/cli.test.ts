import { Chart, Duration, Testing } from 'cdk8s';
import { parse } from 'yaml';
import { AdapterRule } from '../lib';
import { parseDuration } from '../cli/duration';
import { runCli } from './support/cli';

const pkg = require('../package.json');

/** The CLI as a child process, from source (the consumer test runs the installed package's build). */
const cli = runCli;

const NO_STACK = /\n\s+at |node_modules|\.ts:\d+/;

describe('cdk8s-interlok-scaling CLI', () => {
  test('the CLI workspace package ships it as a bin, the library has no bin, and npm run adapter-values runs the same command', async () => {
    const cliPkg = require('../cli/package.json');
    expect(pkg.workspaces).toEqual(['cli']);
    expect(cliPkg.bin).toEqual({ 'cdk8s-interlok-scaling': 'build/cdk8s-interlok-scaling.js' });
    expect(pkg.bin).toBeUndefined();
    expect(pkg.scripts['adapter-values']).toBe('node --import tsx bin/cdk8s-interlok-scaling.ts adapter-values');
    expect(cliPkg.dependencies.commander).toBeDefined();
    expect(pkg.dependencies.commander).toBeUndefined();
  });

  test('--version prints the package version', async () => {
    expect(await cli('--version')).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    expect((await cli('-V')).stdout).toBe(`${pkg.version}\n`);
  });

  test('--help lists the commands; every command has --help', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Usage: cdk8s-interlok-scaling');
    for (const cmd of ['adapter-values', 'explain', 'doctor', 'load', 'preflight', 'simulate'])
      expect(top.stdout).toContain(cmd);
    for (const cmd of ['explain', 'doctor', 'load', 'preflight', 'simulate']) {
      const h = await cli(cmd, '--help');
      expect(h.code).toBe(0);
      expect(h.stdout).toContain(`Usage: cdk8s-interlok-scaling ${cmd}`);
      expect(h.stdout).toContain('Example');
    }
    const sub = await cli('adapter-values', '--help');
    expect(sub.code).toBe(0);
    for (const opt of ['--series-name', '--metric-name', '--scrape-interval', '--stale-after', '--help'])
      expect(sub.stdout).toContain(opt);
    expect((await cli('adapter-values', '-h')).stdout).toBe(sub.stdout);
  });

  test('adapter-values prints what AdapterRule.helmValuesYaml gives for the same options', async () => {
    const expected = (props: ConstructorParameters<typeof AdapterRule>[2]) =>
      AdapterRule.helmValuesYaml([new AdapterRule(new Chart(Testing.app(), 'c'), 'R', props)]);
    expect(await cli('adapter-values')).toEqual({ code: 0, stdout: expected({}), stderr: '' });
    const r = await cli(
      'adapter-values',
      '--scrape-interval',
      '30s',
      '--series-name',
      'Msgs',
      '--metric-name',
      'messages',
      '--stale-after',
      'PT2M',
    );
    expect(r).toEqual({
      code: 0,
      stdout: expected({
        scrapeInterval: Duration.seconds(30),
        seriesName: 'Msgs',
        metricName: 'messages',
        staleAfter: Duration.minutes(2),
      }),
      stderr: '',
    });
    const values = parse(r.stdout);
    expect(values.rules.default).toBe(false);
    expect(values.rules.custom[0].name).toEqual({ matches: '^Msgs$', as: 'messages' });
    expect(values.rules.custom[0].metricsQuery).toContain('< bool 120))');
    expect(values.rules.external[0].name).toEqual({ matches: '^pushgateway_build_info$', as: 'interlok_msgs' });
    expect(await cli('adapter-values', '--no-external')).toEqual({
      code: 0,
      stdout: expected({ external: false }),
      stderr: '',
    });
    expect(parse((await cli('adapter-values', '--no-external')).stdout).rules.external).toBeUndefined();
  });

  test.each([
    [
      ['adapter-values', '--scrape-interval', '2x'],
      '--scrape-interval: got "2x", expected a duration like 30s, 1m, 1h30m or ISO 8601 PT30S',
    ],
    [
      ['adapter-values', '--stale-after', 'PT'],
      '--stale-after: got "PT", expected a duration like 30s, 1m, 1h30m or ISO 8601 PT30S',
    ],
    [
      ['adapter-values', '--scrape-interval', '1m', '--stale-after', '20s'],
      '--stale-after: got 20s, expected whole seconds from 75s to 1h',
    ],
    [['adapter-values', '--series-name', 'bad name'], '--series-name: got "bad name"'],
    [['adapter-values', '--help-me'], "unknown option '--help-me'"],
    [['adapter-values', '--scrape-interval'], "option '--scrape-interval <duration>' argument missing"],
    [['adapter-values', 'extra'], 'too many arguments'],
    [['no-such-command'], "unknown command 'no-such-command'"],
  ])('bad usage %j: exit 2, one line on stderr, no stack trace', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.endsWith('\n')).toBe(true);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^cdk8s-interlok-scaling: error: /);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  test('no command: the help on stderr, exit 2', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: cdk8s-interlok-scaling');
  });
});

describe('CLI durations', () => {
  test.each([
    ['30s', 30],
    ['1m', 60],
    ['1h30m', 5400],
    ['2d', 172800],
    ['1w', 604800],
    ['PT30S', 30],
    ['pt1m', 60],
    ['PT1H30M', 5400],
  ])('%s is %d s', async (text, seconds) => {
    expect(parseDuration('--x', text).toSeconds()).toBe(seconds);
  });

  test.each(['', '30', '1.5m', '30s1m', '-1s', '1ms', 'P', 'PT0.5S', '1 m'])('"%s" is a usage error', async (text) => {
    expect(() => parseDuration('--x', text)).toThrow(/^--x: got "/);
  });
});
