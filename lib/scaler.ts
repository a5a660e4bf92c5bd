import { KEDA_OPTIONS, KedaOptions } from './keda-scaled-object';
import { NetworkPeer } from './monitoring/network-peer';
import { propsKeys } from './kit/props';

/** Options of `Scaler.keda`. */
export interface KedaScalerOptions extends KedaOptions {
  /**
   * The KEDA operator's pods, which query Prometheus: admitted by the Prometheus NetworkPolicy of the stack.
   * @default NetworkPeer.pods('keda', { 'app.kubernetes.io/name': 'keda-operator' }) (the KEDA chart's labels,
   * installed in `keda`)
   */
  readonly operatorPeer?: NetworkPeer;
}

export const KEDA_SCALER_OPTIONS = propsKeys<KedaScalerOptions, KedaOptions>(
  'KedaScalerOptions',
  { operatorPeer: 1 },
  { extends: [KEDA_OPTIONS] },
);

/** What scales the Interlok Deployment of an InterlokAutoscalingChart. */
export class Scaler {
  /** Our `autoscaling/v2` HPA on the metric our prometheus-adapter serves (settings in the chart's `autoscaler`). */
  public static hpa(): Scaler {
    return new Scaler('hpa');
  }

  /**
   * A KEDA ScaledObject with the prometheus trigger, for clusters that run KEDA: no HPA of ours, no adapter rule,
   * and no prometheus-adapter (nor its APIServices) unless `monitoring.adapter` is set to true.
   */
  public static keda(options: KedaScalerOptions = {}): Scaler {
    return new Scaler('keda', options);
  }

  private constructor(
    public readonly kind: 'hpa' | 'keda',
    public readonly kedaOptions?: KedaScalerOptions,
  ) {}
}
