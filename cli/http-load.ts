// Sends exactly `count` HTTP requests with Node's own client, for `load`. autocannon (used before) counts a request
// when it writes it, and writes the next one on a connection the server is closing (an HTTP/1.0 server, or
// `Connection: close`): half of them never arrived. Node's agent reads `Connection: close` and the HTTP version
// and opens a new connection instead, so a request counts here only once it was answered or failed.
import * as http from 'http';
import * as https from 'https';
import { performance } from 'perf_hooks';

export interface SendOptions {
  readonly url: URL;
  readonly count: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
  /** At most this many requests started per second overall. */
  readonly rate?: number;
  /** Stop starting requests, and abandon those in flight, after this long. */
  readonly durationMs: number;
  /** A request without a complete answer by then fails. */
  readonly timeoutMs: number;
  readonly method: string;
  readonly body?: string;
  readonly headers: Record<string, string>;
  /** Called after each request that counts (answered or failed). */
  readonly onDone?: (done: number) => void;
}

export interface SendResult {
  /** Answers by status code. */
  readonly statusCounts: Record<string, number>;
  /** Requests that got no answer: connection errors and timeouts. */
  readonly errors: number;
  /** Of `errors`, those that timed out. */
  readonly timeouts: number;
  /** Error codes (`ECONNREFUSED`, ...) of `errors`, with how often each occurred. */
  readonly errorCodes: Record<string, number>;
  /** Latency of every answered request, in milliseconds. */
  readonly latenciesMs: number[];
  /** The duration ran out before `count` requests were sent. */
  readonly stoppedByDuration: boolean;
}

type Outcome = { status: number; ms: number } | { error: string; timedOut: boolean; retry: boolean };

const RETRYABLE = new Set(['ECONNRESET', 'EPIPE']);

export function sendRequests(o: SendOptions): Promise<SendResult> {
  const lib = o.url.protocol === 'https:' ? https : http;
  // The same as autocannon's TLS: a load tool aims at a port-forward or a test endpoint, often self-signed.
  const agent = new lib.Agent({
    keepAlive: true,
    maxSockets: o.concurrency,
    rejectUnauthorized: false,
  } as https.AgentOptions);
  const headers: Record<string, string | number> = { ...o.headers };
  if (o.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length'))
    headers['Content-Length'] = Buffer.byteLength(o.body);

  const statusCounts: Record<string, number> = {};
  const errorCodes: Record<string, number> = {};
  const latenciesMs: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let started = 0; // requests handed to a worker
  let done = 0;
  let stopped = false;
  const inFlight = new Set<http.ClientRequest>();
  const wakers = new Set<() => void>();
  const begin = performance.now();

  const attempt = () =>
    new Promise<Outcome>((resolve) => {
      const t0 = performance.now();
      let timedOut = false;
      let answered = false;
      const req = lib.request(o.url, { method: o.method, headers, agent }, (res) => {
        answered = true;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, timedOut, retry: false }));
      });
      inFlight.add(req);
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }));
      }, o.timeoutMs);
      req.on('close', () => {
        clearTimeout(timer);
        inFlight.delete(req);
      });
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (answered) return; // the response's own error or end settles it
        // A kept-alive connection the server closed just as it was reused: the request never reached it (Node's
        // documented case for req.reusedSocket), so it is sent again on a new connection and not counted twice.
        resolve({
          error: e.code ?? e.message,
          timedOut,
          retry: req.reusedSocket && !timedOut && RETRYABLE.has(e.code ?? ''),
        });
      });
      req.end(o.body);
    });

  const pace = (index: number) =>
    new Promise<void>((resolve) => {
      const wait = o.rate ? begin + (index * 1000) / o.rate - performance.now() : 0;
      if (wait <= 0) {
        resolve();
        return;
      }
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, wait);
      wakers.add(wake);
    });

  const worker = async () => {
    while (!stopped && started < o.count) {
      const index = started++;
      await pace(index);
      let outcome: Outcome;
      do {
        if (stopped) return;
        outcome = await attempt();
      } while ('retry' in outcome && outcome.retry);
      if (stopped) return; // abandoned by the duration: neither answered nor failed
      if ('status' in outcome) {
        statusCounts[outcome.status] = (statusCounts[outcome.status] ?? 0) + 1;
        latenciesMs.push(outcome.ms);
      } else {
        errors++;
        if (outcome.timedOut) timeouts++;
        const code = outcome.timedOut ? 'timeout' : outcome.error;
        errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      }
      o.onDone?.(++done);
    }
  };

  let stoppedByDuration = false;
  const deadline = setTimeout(() => {
    stopped = true;
    stoppedByDuration = done < o.count;
    for (const wake of [...wakers]) wake();
    for (const req of inFlight) req.destroy();
  }, o.durationMs);
  return Promise.all(Array.from({ length: o.concurrency }, worker)).then(() => {
    clearTimeout(deadline);
    agent.destroy();
    return { statusCounts, errors, timeouts, errorCodes, latenciesMs, stoppedByDuration };
  });
}

/** The nearest-rank percentile `p` of `sorted` (ascending; 0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
