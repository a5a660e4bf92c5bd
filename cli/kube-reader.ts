// Reads a live cluster for `doctor`: the user's kubeconfig (KUBECONFIG or ~/.kube/config, --context) through the
// official client's KubeConfig, which applies the cluster's CA, client certificates, tokens and exec plugins. Only GET
// is offered, so doctor cannot change the cluster.
import { request } from 'https';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from './kube-client';

export interface KubeResponse {
  readonly status: number;
  readonly text: string;
  /** The body as JSON, undefined when it is not JSON. */
  readonly body?: any;
}

export interface KubeReader {
  /** The context in use. */
  readonly context: string;
  /** The namespace of that context (`default` when it sets none). */
  readonly namespace: string;
  /** The API server's URL. */
  readonly server: string;
  /** GET a path of the API server (with its query string). */
  get(path: string): Promise<KubeResponse>;
}

/** The kubeconfig's client for `context` (default: its current context). */
export async function loadKubeReader(context?: string): Promise<KubeReader> {
  const { kc, cluster } = await loadKubeConfig({ context });
  const current = kc.getContextObject(kc.getCurrentContext());
  const server = cluster.server.replace(/\/$/, '');
  return {
    context: kc.getCurrentContext(),
    namespace: current?.namespace || 'default',
    server,
    async get(path: string): Promise<KubeResponse> {
      const url = new URL(server + path);
      const opts: Parameters<KubeConfig['applyToHTTPSOptions']>[0] = {
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: { Accept: 'application/json' },
        timeout: 15000,
      };
      await kc.applyToHTTPSOptions(opts);
      return new Promise((resolve, reject) => {
        const req = request(opts as any, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => {
            let body: any;
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
            resolve({ status: res.statusCode ?? 0, text, body });
          });
        });
        req.on('timeout', () => req.destroy(new Error(`no answer from ${server} within 15 s`)));
        req.on('error', (e: NodeJS.ErrnoException) =>
          reject(new Error(`cannot reach the API server ${server}: ${e.code ?? e.message}`)),
        );
        req.end();
      });
    },
  };
}
