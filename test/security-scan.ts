import { Manifest } from './helpers';

/** Pods allowed to talk to the API server, and why: the adapter lists pods and delegates auth. */
const TOKEN_ALLOWED = new Set(['prometheus-adapter']);
const MONITORING_PODS = new Set(['prometheus-pushgateway', 'prometheus', 'prometheus-adapter']);
const READ_VERBS = new Set(['get', 'list', 'watch']);
const BROAD_ROLES = new Set(['cluster-admin', 'admin', 'edit']);

/** Every rule of the stack's security posture this object breaks, as readable findings. */
export function securityFindings(objects: Manifest[]): string[] {
  const findings: string[] = [];
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  for (const o of objects) {
    const id = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const bad = (what: string) => findings.push(`${id}: ${what}`);
    if (o.kind === 'Deployment') {
      const pod = o.spec.template.spec;
      const app = o.spec.template.metadata.labels['app.kubernetes.io/name'];
      if (pod.hostNetwork || pod.hostPID || pod.hostIPC) bad('shares a host namespace');
      if ((pod.volumes ?? []).some((v: Manifest) => v.hostPath)) bad('mounts a hostPath');
      if (pod.securityContext?.runAsNonRoot !== true) bad('pod runAsNonRoot is not true');
      if (pod.securityContext?.runAsUser === 0) bad('runs as uid 0');
      // Prometheus discovering pods needs a token, bound by namespaced Roles only (no ClusterRole)
      const podReader =
        app === 'prometheus' &&
        pod.serviceAccountName !== undefined &&
        objects.some(
          (b) =>
            b.kind === 'RoleBinding' &&
            b.roleRef.kind === 'Role' &&
            b.subjects.some((s: Manifest) => s.name === pod.serviceAccountName && s.namespace === o.metadata.namespace),
        ) &&
        !objects.some(
          (b) =>
            b.kind === 'ClusterRoleBinding' &&
            b.subjects.some((s: Manifest) => s.name === pod.serviceAccountName && s.namespace === o.metadata.namespace),
        );
      if (pod.automountServiceAccountToken !== false && !TOKEN_ALLOWED.has(app) && !podReader)
        bad('mounts a service-account token it does not need');
      for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
        const sc = c.securityContext ?? {};
        for (const r of ['cpu', 'memory']) {
          if (!c.resources?.requests?.[r]) bad(`container ${c.name} has no ${r} request`);
          if (!c.resources?.limits?.[r]) bad(`container ${c.name} has no ${r} limit`);
        }
        if (sc.allowPrivilegeEscalation !== false) bad(`container ${c.name} allows privilege escalation`);
        if (sc.privileged) bad(`container ${c.name} is privileged`);
        if (!(sc.capabilities?.drop ?? []).includes('ALL')) bad(`container ${c.name} does not drop ALL capabilities`);
        if ((sc.capabilities?.add ?? []).length) bad(`container ${c.name} adds capabilities`);
        if (sc.readOnlyRootFilesystem !== true) bad(`container ${c.name} has a writable root filesystem`);
        if (sc.runAsUser === 0 || sc.runAsNonRoot === false) bad(`container ${c.name} runs as root`);
        const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
        if (seccomp !== 'RuntimeDefault') bad(`container ${c.name} has no RuntimeDefault seccomp profile`);
        for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
          if (probe?.httpGet?.path === '/in-box')
            bad(`container ${c.name} probes /in-box: every probe would count as a message`);
        }
      }
      if (MONITORING_PODS.has(app) && policies.length > 0) {
        const labels = o.spec.template.metadata.labels;
        const covered = policies.some(
          (p) =>
            p.metadata.namespace === o.metadata.namespace &&
            Object.entries(p.spec.podSelector.matchLabels ?? {}).every(([k, v]) => labels[k] === v) &&
            p.spec.policyTypes.includes('Ingress'),
        );
        if (!covered) bad('no NetworkPolicy restricts who reaches it');
      }
    }
    if (o.kind === 'ServiceAccount' && o.automountServiceAccountToken !== false)
      bad('mounts its token into every pod by default');
    if (o.kind === 'ClusterRole' || o.kind === 'Role') {
      for (const rule of o.rules ?? []) {
        for (const field of ['verbs', 'resources', 'apiGroups'])
          if ((rule[field] ?? []).includes('*')) bad(`wildcard in ${field}`);
        if (!(rule.verbs ?? []).every((v: string) => READ_VERBS.has(v)))
          bad(`grants more than read: ${rule.verbs.join(',')}`);
        if ((rule.resources ?? []).includes('secrets')) bad('reads secrets');
      }
    }
    if ((o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') && BROAD_ROLES.has(o.roleRef.name))
      bad(`binds ${o.roleRef.name}`);
    if (o.kind === 'NetworkPolicy' && /pushgateway/.test(o.metadata.name)) {
      const from = o.spec.ingress.flatMap((r: Manifest) => r.from ?? [{ anyone: true }]);
      if (
        from.some(
          (p: Manifest) =>
            p.anyone || !p.podSelector?.matchLabels || Object.keys(p.podSelector.matchLabels).length === 0,
        )
      ) {
        bad('lets pods other than the pushers and Prometheus push: anyone could drive the HPA to its maximum');
      }
    }
  }
  return findings;
}
