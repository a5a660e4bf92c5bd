// Before an apply: reads every object the manifests would write and fails when one exists that is not ours, so an
// apply never merges into someone else's workload (a chart's prometheus-server, a team's namespace, another
// adapter's APIService). Read-only.
//   npx cdk8s-interlok-scaling preflight dist/ && kubectl apply --server-side --field-manager=cdk8s-interlok-scaling -f
// dist/
import { existsSync } from 'fs';
import { Command } from 'commander';
import { MANAGED_BY, MANAGED_BY_0_1, PART_OF, STACK_LABEL } from '../../lib/kit/labels';
import { Manifest, readManifests } from '../../lib/model/manifests';
import { CliContext } from '../context';
import { CheckFailed, UsageError } from '../errors';
import { KubeClient, loadKubeClient } from '../kube-client';
import { colours, table } from '../style';

/** The field manager the README's apply uses; `preflight` names it in its fixes. */
export const FIELD_MANAGER = 'cdk8s-interlok-scaling';

export type Verdict = 'absent' | 'ours' | 'ours-0.1' | 'foreign';

export interface OwnerEvidence {
  /** `app.kubernetes.io/managed-by` */
  readonly managedBy?: string;
  /** Our stack mark, when it has one. */
  readonly stack?: string;
  /** `meta.helm.sh/release-namespace`/`meta.helm.sh/release-name` */
  readonly helmRelease?: string;
  /** managedFields managers (operation in brackets). */
  readonly managers: string[];
  /** An APIService's Service, `namespace/name` (or `local`). */
  readonly servedBy?: string;
}

export interface PreflightObject {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly verdict: Verdict;
  readonly evidence?: OwnerEvidence;
  /** Why it is not ours, and what to do. */
  readonly reason?: string;
  readonly fix?: string;
}

export interface PreflightReport {
  readonly context?: string;
  readonly server?: string;
  /** True when nothing in the way: every object is absent or ours. */
  readonly clear: boolean;
  readonly objects: PreflightObject[];
}

const label = (o: Manifest, key: string): string | undefined => o?.metadata?.labels?.[key];
const service = (o: Manifest): string | undefined =>
  o?.spec?.service
    ? `${o.spec.service.namespace}/${o.spec.service.name}`
    : o?.kind === 'APIService'
      ? 'local'
      : undefined;

function evidenceOf(live: Manifest): OwnerEvidence {
  const annotations = live.metadata?.annotations ?? {};
  const release = annotations['meta.helm.sh/release-name'];
  const managers = [
    ...new Set<string>((live.metadata?.managedFields ?? []).map((f: any) => `${f.manager} (${f.operation})`)),
  ];
  return {
    managedBy: label(live, 'app.kubernetes.io/managed-by'),
    stack: label(live, STACK_LABEL),
    helmRelease: release ? `${annotations['meta.helm.sh/release-namespace'] ?? '?'}/${release}` : undefined,
    managers,
    servedBy: live.kind === 'APIService' ? service(live) : undefined,
  };
}

/**
 * Whether the live object (undefined: none) of a desired one is ours: our managed-by label and the desired
 * object's stack mark. With `upgradeFrom01`, also 0.1.x's labels (managed-by `cdk8s`, part-of `interlok-scaling`),
 * which carry no stack mark: only then is an APIService that another Service serves taken as ours.
 */
export function classify(
  desired: Manifest,
  live: Manifest | undefined,
  opts: { upgradeFrom01?: boolean } = {},
): PreflightObject {
  const id = {
    kind: desired.kind,
    ...(desired.metadata?.namespace ? { namespace: desired.metadata.namespace } : {}),
    name: desired.metadata?.name,
  };
  if (!live) return { ...id, verdict: 'absent' };
  const evidence = evidenceOf(live);
  const wantStack = label(desired, STACK_LABEL);
  const sameService = desired.kind !== 'APIService' || service(desired) === evidence.servedBy;
  if (evidence.managedBy === MANAGED_BY && (wantStack === undefined || evidence.stack === wantStack)) {
    return { ...id, verdict: 'ours', evidence };
  }
  const legacy =
    evidence.managedBy === MANAGED_BY_0_1 &&
    label(live, 'app.kubernetes.io/part-of') === PART_OF &&
    evidence.stack === undefined;
  if (legacy && opts.upgradeFrom01) return { ...id, verdict: 'ours-0.1', evidence };

  const what = `${desired.kind} ${id.namespace ? `${id.namespace}/` : ''}${id.name}`;
  let reason: string;
  if (legacy) reason = 'written by cdk8s-interlok-scaling 0.1.x, which marked no stack';
  else if (evidence.managedBy === MANAGED_BY)
    reason = `another stack of ours wrote it (${STACK_LABEL}: ${evidence.stack ?? 'none'}, this one is ${wantStack})`;
  else if (evidence.helmRelease) reason = `Helm release ${evidence.helmRelease} owns it`;
  else if (evidence.managedBy) reason = `managed by ${evidence.managedBy}`;
  else reason = `it carries no label of ours (written by ${evidence.managers.join(', ') || 'an unknown client'})`;
  if (!sameService) reason += `; it is served by ${evidence.servedBy}, not ${service(desired)}`;

  let fix: string;
  if (legacy) {
    fix = 'upgrading from 0.1.x: follow the README\'s "Upgrading from 0.1.x" (preflight --upgrade-from-0.1)';
  } else if (desired.kind === 'APIService') {
    fix = `a cluster serves ${id.name} from one Service only: turn our adapter off (monitoring.adapter: false, or adapterOptions.externalMetrics: false for the external one) and give yours our rules (adapter-values), or uninstall what serves it now`;
  } else if (desired.kind === 'Namespace') {
    fix = `use it without owning it (createNamespace: false on the stack or Interlok that names it), or choose a namespace of our own`;
  } else {
    fix = `give our object another name (monitoring.names: MonitoringNames.of({...}), interlok.name, autoscaler.name) or namespace; delete ${what} first only if it is yours to replace`;
  }
  return { ...id, verdict: 'foreign', evidence, reason, fix };
}

/** Reads each object of the manifests from the cluster and classifies it. */
export async function preflight(
  objects: Manifest[],
  client: KubeClient,
  opts: { upgradeFrom01?: boolean } = {},
): Promise<PreflightReport> {
  const results: PreflightObject[] = [];
  // a few at a time: a large fleet's dist/ has thousands of objects, and the API server throttles
  const queue = [...objects.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [i, o] = next;
      results[i] = classify(o, await client.get(o as any), opts);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return {
    context: client.context,
    server: client.server,
    clear: results.every((r) => r.verdict !== 'foreign'),
    objects: results,
  };
}

interface Options {
  readonly manifests?: string;
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly json?: boolean;
  readonly 'upgradeFrom0.1'?: boolean;
}

export function preflightCommand(ctx: CliContext): Command {
  return new Command('preflight')
    .description(
      "Check that no object the manifests would write exists as someone else's (a chart's, another stack's); read-only. Exit 1 naming each, with its owner and the fix.",
    )
    .argument('[manifests]', 'the manifests, a file or a directory as kubectl apply -f takes it (default: dist/)')
    .option('--manifests <path>', 'the manifests (instead of the argument)')
    .option('--context <name>', 'the kubeconfig context (default: its current one)')
    .option('--kubeconfig <file>', 'the kubeconfig (default: $KUBECONFIG or ~/.kube/config)')
    .option(
      '--upgrade-from-0.1',
      'also take objects written by 0.1.x (labels managed-by: cdk8s, part-of: interlok-scaling) as ours',
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  npx cdk8s-interlok-scaling preflight dist/ && kubectl apply --server-side --field-manager=cdk8s-interlok-scaling -f dist/\n',
    )
    .action(async (arg: string | undefined, opts: Options) => {
      if (arg !== undefined && opts.manifests !== undefined && arg !== opts.manifests)
        throw new UsageError(`got manifests "${arg}" and --manifests "${opts.manifests}", expected one of them`);
      const path = arg ?? opts.manifests ?? 'dist/';
      if (!existsSync(path)) throw new UsageError(`manifests: ${path}: no such file or directory`);
      const objects = readManifests(path).filter((o) => o.metadata?.name);
      if (objects.length === 0) throw new UsageError(`manifests: ${path} holds no Kubernetes object`);
      const client = await loadKubeClient({ context: opts.context, kubeconfig: opts.kubeconfig });
      const report = await preflight(objects, client, { upgradeFrom01: opts['upgradeFrom0.1'] });
      const foreign = report.objects.filter((o) => o.verdict === 'foreign');
      if (opts.json) {
        ctx.stdout(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        const c = colours(ctx);
        const count = (v: Verdict) => report.objects.filter((o) => o.verdict === v).length;
        ctx.stdout(
          `${report.objects.length} objects in ${path} against ${report.context} (${report.server}): ` +
            `${count('absent')} new, ${count('ours') + count('ours-0.1')} ours${count('ours-0.1') ? ` (${count('ours-0.1')} from 0.1.x)` : ''}, ${foreign.length} someone else's\n`,
        );
        if (foreign.length) {
          ctx.stdout(
            table([
              ['object', 'owner evidence', 'why not ours'],
              ...foreign.map((o) => [
                `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`,
                [
                  o.evidence?.managedBy && `managed-by=${o.evidence.managedBy}`,
                  o.evidence?.helmRelease && `helm=${o.evidence.helmRelease}`,
                  o.evidence?.servedBy && `service=${o.evidence.servedBy}`,
                  o.evidence?.managers.length ? `managers=${o.evidence.managers.join(',')}` : undefined,
                ]
                  .filter(Boolean)
                  .join(' '),
                o.reason ?? '',
              ]),
            ]),
          );
          foreign.forEach((o) =>
            ctx.stdout(`${c.red('fix')} ${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}: ${o.fix}\n`),
          );
        }
      }
      if (foreign.length) {
        throw new CheckFailed(
          `${foreign.length} object(s) the manifests would write exist and are not ours: an apply would merge into them (${foreign.map((o) => `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`).join(', ')})`,
        );
      }
    });
}
