// Where the API server's service proxy reaches a Service, from its in-cluster address: how doctor reads Prometheus
// and the pushgateway (a module of its own, so that the e2e harness reads the same path without loading doctor).

/**
 * `host:port` (or a URL) of a Service's DNS name as the API server's proxy path prefix; undefined for any other host.
 */
export function serviceProxyBase(
  address: string,
): { namespace: string; name: string; port: string; scheme: string; path: string; prefix: string } | undefined {
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `http://${address}`);
  } catch {
    return undefined;
  }
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.svc(\.cluster\.local)?)?$/.exec(
    url.hostname,
  );
  if (!m) return undefined;
  const scheme = url.protocol.replace(':', '');
  const port = url.port || (scheme === 'https' ? '443' : '80');
  const path = url.pathname.replace(/\/$/, '');
  return {
    namespace: m[3]!,
    name: m[1]!,
    port,
    scheme,
    path,
    prefix: `/api/v1/namespaces/${m[3]}/services/${scheme}:${m[1]}:${port}/proxy${path}`,
  };
}
