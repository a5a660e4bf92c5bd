// What prometheus-adapter is granted, in one place: PrometheusAdapter writes these roles and bindings, and the CLI's
// doctor checks that a live adapter's ServiceAccount still has each permission.

/**
 * `app.kubernetes.io/name` of the adapter's objects: how doctor tells this library's adapter Service from another's.
 */
export const ADAPTER_APP_NAME = 'prometheus-adapter';

/**
 * The ClusterRole of our own: to map the HPA's label selector to pod names and check that namespaces exist; read-only.
 */
export const ADAPTER_RESOURCE_READER_RULES = [
  { apiGroups: [''], resources: ['namespaces', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
];

/**
 * The built-in ClusterRole with which an aggregated API server delegates authentication and authorization to the API
 * server.
 */
export const AUTH_DELEGATOR_CLUSTER_ROLE = 'system:auth-delegator';

/** The built-in Role in kube-system that reads the front-proxy CA the aggregator's requests are checked against. */
export const AUTH_READER_ROLE = { namespace: 'kube-system', name: 'extension-apiserver-authentication-reader' };

/** One permission, as an RBAC rule must grant it. */
export interface AdapterPermission {
  readonly apiGroup: string;
  readonly resource: string;
  readonly verb: string;
  /** Only in this namespace (a Role there, or any ClusterRole); undefined: cluster-wide (a ClusterRoleBinding). */
  readonly namespace?: string;
  readonly resourceName?: string;
  /** Which of the adapter's bindings grants it. */
  readonly grantedBy: 'resource-reader' | 'auth-delegator' | 'auth-reader';
  /** What fails without it. */
  readonly without: string;
}

/** Every permission the adapter uses, from the roles above. */
export const ADAPTER_PERMISSIONS: readonly AdapterPermission[] = [
  ...ADAPTER_RESOURCE_READER_RULES.flatMap((r) =>
    r.resources.flatMap((resource) =>
      r.verbs.map((verb): AdapterPermission => ({
        apiGroup: r.apiGroups[0]!,
        resource,
        verb,
        grantedBy: 'resource-reader',
        without:
          resource === 'pods'
            ? "it cannot list the pods of an HPA's selector: per-pod metrics fail"
            : `it cannot ${verb} ${resource}: discovery and requests fail`,
      })),
    ),
  ),
  {
    apiGroup: 'authentication.k8s.io',
    resource: 'tokenreviews',
    verb: 'create',
    grantedBy: 'auth-delegator',
    without: 'it cannot check who calls it: every request is refused',
  },
  {
    apiGroup: 'authorization.k8s.io',
    resource: 'subjectaccessreviews',
    verb: 'create',
    grantedBy: 'auth-delegator',
    without: 'it cannot check what a caller may read: every request is refused',
  },
  {
    apiGroup: '',
    resource: 'configmaps',
    verb: 'get',
    namespace: AUTH_READER_ROLE.namespace,
    resourceName: 'extension-apiserver-authentication',
    grantedBy: 'auth-reader',
    without: "it cannot read the front-proxy CA: the API server's proxied requests are not authenticated",
  },
];
