/**
 * A request to a worker thread that this thread waits for (Atomics.wait), so that a synchronous helper can use a
 * worker's asynchronous client: the worker answers `{ id, value }` or `{ id, error }` on `port` and then sets the
 * request's flag. Used by the e2e tests' API reads (test/e2e/kube-api.ts) and the CLI worker (cli-bundle.ts).
 */
import { MessagePort, receiveMessageOnPort } from 'worker_threads';

/**
 * Posts `message` with a fresh `id` and `flag`, waits up to `timeoutMs`, and returns the answer's value (its error
 * thrown, prefixed with `what`). Answers to other requests found before this one's go to `other` (one that timed
 * out earlier, or an asynchronous one); `port` must have no 'message' listener meanwhile, or it may take the answer.
 */
export function callSync<T>(
  port: MessagePort,
  message: Record<string, unknown>,
  what: string,
  timeoutMs: number,
  other: (answer: { id: number; value?: unknown; error?: string }) => void = () => undefined,
): T {
  const id = nextCallId();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  port.postMessage({ ...message, id, flag });
  if (Atomics.wait(flag, 0, 0, timeoutMs) === 'timed-out')
    throw new Error(`${what}: no answer in ${timeoutMs / 1000} s`);
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (!m) throw new Error(`${what}: the worker answered nothing`);
    if (m.message.id !== id) {
      other(m.message);
      continue;
    }
    if (m.message.error) throw new Error(`${what}: ${m.message.error}`);
    return m.message.value as T;
  }
}
let calls = 0;

/** An id no other call of this process has: for the asynchronous requests that share a port with `callSync`. */
export function nextCallId(): number {
  return ++calls;
}
