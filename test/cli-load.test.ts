/** `load` against a real local HTTP server: 200, 500, a closed port; bounded in count and time. */
import { createServer, Server } from 'http';
import { AddressInfo, createServer as netServer } from 'net';
import { runCli } from './support/cli';

const cli = runCli;

let server: Server;
let base = '';
const seen: Array<{ method: string; url: string; body: string }> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body });
      if (req.url === '/fail') res.statusCode = 500;
      if (req.url === '/slow') {
        const late = setTimeout(() => res.end('late'), 3000);
        res.on('close', () => clearTimeout(late));
        return;
      }
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test("150 GETs to /in-box, the guide's JMeter plan: all 200, exit 0, latency and throughput reported", async () => {
  seen.length = 0;
  const r = await cli('load', '--url', `${base}/in-box`, '--count', '150', '--concurrency', '4', '--json');
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  expect(report).toMatchObject({
    method: 'GET',
    requests: 150,
    statusCounts: { 200: 150 },
    errors: 0,
    stoppedByDuration: false,
  });
  expect(report.latencyMs.p99).toBeGreaterThanOrEqual(report.latencyMs.p50);
  expect(report.throughputPerSecond).toBeGreaterThan(0);
  expect(seen.filter((s) => s.url === '/in-box' && s.method === 'GET')).toHaveLength(150);
});

test('POST with a body, and the plain report', async () => {
  seen.length = 0;
  const r = await cli('load', '--url', `${base}/in-box`, '--count', '5', '--method', 'post', '--body', '<msg/>');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(
    /^POST http:\/\/127\.0\.0\.1:\d+\/in-box\nrequests    5 of 5\nstatus      200: 5\nerrors      0\nlatency     p50 \d+ ms/,
  );
  expect(r.stdout).not.toContain('\x1b['); // no colour when stdout is not a terminal
  expect(seen).toHaveLength(5);
  expect(seen.every((s) => s.method === 'POST' && s.body === '<msg/>')).toBe(true);
});

test('a server answering 500: counted, exit 1 with one line', async () => {
  const r = await cli('load', '--url', `${base}/fail`, '--count', '10', '--json');
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout).statusCounts).toEqual({ 500: 10 });
  expect(r.stderr).toBe('cdk8s-interlok-scaling: error: 10 request(s) answered outside 2xx\n');
});

test('a closed port: every request an error, exit 1', async () => {
  const closed = await new Promise<number>((resolve) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
  const r = await cli('load', '--url', `http://127.0.0.1:${closed}/in-box`, '--count', '3', '--json');
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout)).toMatchObject({ errors: 3, statusCounts: {} });
  expect(r.stderr).toMatch(/^cdk8s-interlok-scaling: error: 3 request\(s\) got no answer .*\n$/);
});

test('bounded in time: --duration stops a run that --count would make longer, --rate paces it', async () => {
  const started = Date.now();
  const r = await cli(
    'load',
    '--url',
    `${base}/in-box`,
    '--count',
    '1000',
    '--rate',
    '10',
    '--duration',
    '2s',
    '--json',
  );
  expect(Date.now() - started).toBeLessThan(10000);
  expect(r.code).toBe(1);
  const report = JSON.parse(r.stdout);
  expect(report.stoppedByDuration).toBe(true);
  expect(report.requests).toBeGreaterThan(5);
  expect(report.requests).toBeLessThan(40);
  // what stopped it, and why that was too short
  expect(r.stderr).toMatch(
    /^cdk8s-interlok-scaling: error: only \d+ of 1000 requests sent before --duration 2s ran out \(at --rate 10 per second, 1000 requests need 100 s\)\n$/,
  );
});

test('a request without an answer within --timeout fails as a timeout', async () => {
  // both in flight at once: one timeout's wait, not two
  const r = await cli(
    'load',
    '--url',
    `${base}/slow`,
    '--count',
    '2',
    '--concurrency',
    '2',
    '--timeout',
    '1s',
    '--json',
  );
  expect(r.code).toBe(1);
  expect(JSON.parse(r.stdout)).toMatchObject({ requests: 2, errors: 2, timeouts: 2, statusCounts: {} });
  expect(r.stderr).toContain('2 request(s) got no answer (timeout: 2;');
});

describe('a server that closes every connection after its answer (an HTTP/1.0 server, `Connection: close`)', () => {
  // autocannon wrote the next request on the closing connection and counted it: 25 of 50 arrived, and the run then
  // blamed --duration, which had not run out
  let received = 0;
  const servers: Array<{ close(cb: () => void): unknown }> = [];
  const listen = async (s: {
    listen(port: number, host: string, cb: () => void): unknown;
    address(): unknown;
    close(cb: () => void): unknown;
  }) => {
    servers.push(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}/in-box`;
  };
  afterAll(async () => {
    for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  });

  test.each([
    [
      'Connection: close (node http)',
      () =>
        listen(
          createServer((req, res) => {
            req.resume();
            req.on('end', () => {
              received++;
              res.setHeader('Connection', 'close');
              res.end('ok');
            });
          }),
        ),
    ],
    [
      "HTTP/1.0, as Python's http.server answers",
      () =>
        listen(
          netServer((socket) => {
            let head = '';
            socket.on('data', (d) => {
              head += d;
              if (!head.includes('\r\n\r\n')) return;
              received++;
              socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok');
            });
            socket.on('error', () => {});
          }),
        ),
    ],
  ])('%s: exactly --count requests arrive, exit 0', async (_, start) => {
    const url = await start();
    for (const concurrency of ['1', '4']) {
      received = 0;
      const r = await cli('load', '--url', url, '--count', '50', '--concurrency', concurrency, '--json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        requests: 50,
        statusCounts: { 200: 50 },
        errors: 0,
        stoppedByDuration: false,
      });
      expect(received).toBe(50);
    }
  });
});

test.each([
  [['load', '--count', '1'], "required option '--url <url>' not specified"],
  [['load', '--url', 'ftp://x', '--count', '1'], '--url: got "ftp://x"'],
  [
    ['load', '--url', 'http://127.0.0.1:1/', '--count', '0'],
    '--count: got "0", expected a whole number from 1 to 1000000',
  ],
  [
    ['load', '--url', 'http://127.0.0.1:1/', '--count', '1', '--duration', '2h'],
    '--duration: got 2h, expected 1s to 1h',
  ],
])('bad usage %j: exit 2, one line', async (args, message) => {
  const r = await cli(...args);
  expect(r.code).toBe(2);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain(message);
});
