// The cluster as the user's kubectl sees it: the official client (@kubernetes/client-node) with their kubeconfig
// ($KUBECONFIG or ~/.kube/config) and context. Read-only: the commands that use it only get objects.
import type * as k8s from '@kubernetes/client-node';
import { UsageError } from './errors';

// The client is an ES module and this CLI is CommonJS: a real import() (TypeScript would turn a written one into
// require(), which Node 20 refuses for ES modules). Loaded only by the commands that talk to a cluster.
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

export interface KubeTarget {
  /** A kubeconfig file. @default - $KUBECONFIG or ~/.kube/config */
  readonly kubeconfig?: string;
  /** A context of it. @default - its current context */
  readonly context?: string;
}

/** An object's header: what it takes to find it. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
}

export interface KubeClient {
  /** The context and API server used. */
  readonly context: string;
  readonly server: string;
  /** The live object, or undefined when there is none (its kind unknown to the cluster included: no CRD, no object). */
  get(ref: ObjectRef): Promise<Record<string, any> | undefined>;
}

/**
 * The kubeconfig as kubectl reads it, at `target`'s context: the one loader of the commands that talk to a cluster
 * (preflight's objects, doctor's paths).
 */
export async function loadKubeConfig(
  target: KubeTarget = {},
): Promise<{ lib: typeof k8s; kc: k8s.KubeConfig; cluster: k8s.Cluster }> {
  const lib: typeof k8s = await importModule('@kubernetes/client-node');
  const kc = new lib.KubeConfig();
  try {
    if (target.kubeconfig !== undefined) kc.loadFromFile(target.kubeconfig);
    else kc.loadFromDefault();
  } catch (e) {
    throw new UsageError(
      `kubeconfig ${target.kubeconfig ?? process.env.KUBECONFIG ?? '~/.kube/config'}: ${(e as Error).message}`,
    );
  }
  if (target.context !== undefined) {
    if (!kc.getContextObject(target.context)) {
      throw new UsageError(
        `--context: got "${target.context}", expected one of the kubeconfig's contexts (${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        })`,
      );
    }
    kc.setCurrentContext(target.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster)
    throw new UsageError(
      `the kubeconfig has no cluster for context "${kc.getCurrentContext()}" (give --context or set KUBECONFIG)`,
    );
  return { lib, kc, cluster };
}

export async function loadKubeClient(target: KubeTarget = {}): Promise<KubeClient> {
  const { lib, kc, cluster } = await loadKubeConfig(target);
  const api = lib.KubernetesObjectApi.makeApiClient(kc);
  return {
    context: kc.getCurrentContext(),
    server: cluster.server,
    async get(ref) {
      try {
        return (await api.read({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.metadata.name, namespace: ref.metadata.namespace },
        })) as any;
      } catch (e: any) {
        if (e?.code === 404 || /^Unrecognized API version and kind/.test(e?.message ?? '')) return undefined;
        const reason = e?.body
          ? (() => {
              try {
                return JSON.parse(e.body).message;
              } catch {
                return String(e.body);
              }
            })()
          : undefined;
        throw new Error(
          `cannot read ${ref.kind} ${ref.metadata.namespace ? `${ref.metadata.namespace}/` : ''}${ref.metadata.name} from ${cluster.server}: ${reason ?? e?.cause?.code ?? e?.message ?? e}`,
        );
      }
    },
  };
}
