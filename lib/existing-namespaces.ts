import { Construct } from 'constructs';
import { checkArray, checkDnsLabel } from './_checks';
import { checkProps } from './_props';

export interface ExistingNamespacesProps {
  /** Namespaces that exist in the cluster already, and that this app therefore does not create. */
  readonly names: string[];
}

/**
 * Declares namespaces the cluster has already. An HPA (or anything namespaced) in a namespace that the app neither
 * creates nor declares here fails synth: `kubectl apply` would refuse it.
 */
export class ExistingNamespaces extends Construct {
  public readonly names: string[];

  constructor(scope: Construct, id: string, props: ExistingNamespacesProps) {
    super(scope, id);
    props = checkProps(this, '', props, 'ExistingNamespacesProps');
    this.names = checkArray(this, 'names', props?.names, 'namespace names').map((n, i) =>
      checkDnsLabel(this, `names[${i}]`, n),
    );
  }
}
