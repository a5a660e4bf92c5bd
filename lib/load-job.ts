import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { checkDnsLabel, checkInteger, PropChecks } from './kit/checks';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from './kit/pod';
import { InterlokDeployment } from './interlok-deployment';
import { recommendedLabels } from './kit/labels';
import { checkPropsIn, propsKeys } from './kit/props';

export interface InterlokLoadJobProps {
  /** The Interlok Deployment whose Service gets the requests (`http://<name>.<namespace>.svc:8080/in-box`). */
  readonly interlok: InterlokDeployment;
  /**
   * Requests to send (the guide's 150 messages).
   * @default 150
   */
  readonly count?: number;
}

export const INTERLOK_LOAD_JOB_PROPS = propsKeys<InterlokLoadJobProps>('InterlokLoadJobProps', {
  count: 1,
  interlok: 1,
});

/**
 * The guide's load test in the cluster: a Job that sends `count` GETs to Interlok's `/in-box` through its Service,
 * one after the other, and fails if any request fails. Not part of the stack: `npm run synth` writes it to
 * `dist/extras/load-job.k8s.yaml`, which `kubectl apply -f dist/` does not take (it does not recurse).
 */
export class InterlokLoadJob extends Construct {
  public readonly job: k8s.KubeJob;
  public readonly url: string;

  constructor(scope: Construct, id: string, props: InterlokLoadJobProps) {
    super(scope, id);
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, INTERLOK_LOAD_JOB_PROPS) ?? c.fail();
    const count = c.check(() => checkInteger(this, 'count', props.count ?? 150, 1, 100000));
    const namespace = c.check(() => checkDnsLabel(this, 'interlok.namespace', props.interlok?.namespace));
    c.throwIfAny();
    this.url = `http://${props.interlok.name}.${namespace}.svc:8080/in-box`;
    this.job = new k8s.KubeJob(this, 'Resource', {
      metadata: {
        name: `${props.interlok.name}-load`,
        namespace,
        labels: recommendedLabels({ name: 'interlok-load', instance: props.interlok.name, component: 'load' }),
      },
      spec: {
        backoffLimit: 0,
        activeDeadlineSeconds: 600,
        ttlSecondsAfterFinished: 3600,
        template: {
          metadata: {
            labels: recommendedLabels({ name: 'interlok-load', instance: props.interlok.name, component: 'load' }),
          },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            securityContext: restrictedPodSecurityContext(65534),
            containers: [
              {
                name: 'load',
                image: 'busybox:1.36',
                command: [
                  'sh',
                  '-c',
                  `set -e; for i in $(seq ${count}); do wget -q -T 10 -O /dev/null ${this.url}; done; echo "${count} requests to ${this.url}: all answered"`,
                ],
                securityContext: restrictedContainerSecurityContext(),
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') },
                  limits: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('32Mi') },
                },
              },
            ],
          },
        },
      },
    });
  }
}
