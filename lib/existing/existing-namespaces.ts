import { Construct } from 'constructs';
import { DECLARES_NAMESPACES } from '../kit/app-index';
import { checkArray, checkDnsLabel, PropChecks } from '../kit/checks';
import { checkPropsIn, propsKeys } from '../kit/props';

export interface ExistingNamespacesProps {
  /** Namespaces that exist in the cluster already, and that this app therefore does not create. */
  readonly names: string[];
}

export const EXISTING_NAMESPACES_PROPS = propsKeys<ExistingNamespacesProps>('ExistingNamespacesProps', { names: 1 });

/**
 * Declares namespaces the cluster has already. An HPA (or anything namespaced) in a namespace that the app neither
 * creates nor declares here fails synth: `kubectl apply` would refuse it.
 */
export class ExistingNamespaces extends Construct {
  public readonly names: string[];

  constructor(scope: Construct, id: string, props: ExistingNamespacesProps) {
    super(scope, id);
    Object.defineProperty(this, DECLARES_NAMESPACES, { value: true });
    const c = new PropChecks();
    props = checkPropsIn(c, this, '', props, EXISTING_NAMESPACES_PROPS) ?? c.fail();
    const names = c.check(() => checkArray(this, 'names', props?.names, 'namespace names')) ?? [];
    names.forEach((n, i) => c.check(() => checkDnsLabel(this, `names[${i}]`, n)));
    c.throwIfAny();
    this.names = names;
  }
}
