// Reads a live cluster for `doctor`: the user's kubeconfig (KUBECONFIG or ~/.kube/config, --context) through the
// official client's KubeConfig, which applies the cluster's CA, client certificates, tokens and exec plugins. Only GET
// is offered, so doctor cannot change the cluster.
import { request } from 'https';
import type { KubeConfig } from '@kubernetes/client-node';
import { UsageError } from './errors';

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
  // the client is an ES module: loaded on first use only, so the commands that never talk to a cluster do not pay for it
  const k8s = await import('@kubernetes/client-node');
  const kc: KubeConfig = new k8s.KubeConfig();
  try {
    kc.loadFromDefault();
  } catch (e) {
    throw new UsageError(`cannot read the kubeconfig (KUBECONFIG or ~/.kube/config): ${(e as Error).message}`);
  }
  if (context !== undefined) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(context)) throw new UsageError(`--context: got "${context}", expected one of the kubeconfig's contexts (${names.join(', ') || 'none'})`);
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UsageError(`the kubeconfig has no cluster for context "${kc.getCurrentContext()}"`);
  const current = kc.getContextObject(kc.getCurrentContext());
  const server = cluster.server.replace(/\/$/, '');
  return {
    context: kc.getCurrentContext(),
    namespace: current?.namespace || 'default',
    server,
    async get(path: string): Promise<KubeResponse> {
      const url = new URL(server + path);
      const opts: Parameters<KubeConfig['applyToHTTPSOptions']>[0] = {
        method: 'GET', protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search,
        headers: { Accept: 'application/json' }, timeout: 15000,
      };
      await kc.applyToHTTPSOptions(opts);
      return new Promise((resolve, reject) => {
        const req = request(opts as any, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => { text += d; });
          res.on('end', () => {
            let body: any;
            try { body = JSON.parse(text); } catch { body = undefined; }
            resolve({ status: res.statusCode ?? 0, text, body });
          });
        });
        req.on('timeout', () => req.destroy(new Error(`no answer from ${server} within 15 s`)));
        req.on('error', (e: NodeJS.ErrnoException) => reject(new Error(`cannot reach the API server ${server}: ${e.code ?? e.message}`)));
        req.end();
      });
    },
  };
}
