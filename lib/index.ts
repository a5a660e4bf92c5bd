// The public API: exactly what the README's "API" section lists. Everything else in lib/ is internal; the API
// report in api/ shows every change to this list in review (`npm run api:update` after an intended change).

// The whole stack
export {
  InterlokAutoscalingChart,
  type InterlokAutoscalingChartProps,
  type FleetInterlokProps,
  type AutoscaledInterlok,
  type LoadJobOptions,
} from './interlok-autoscaling-chart';
export { synthAtomically } from './atomic-synth';
export { ExistingNamespaces, type ExistingNamespacesProps } from './existing/existing-namespaces';
export { ExistingEndpoints, type ExistingEndpointsProps } from './existing/existing-endpoints';

// Interlok
export {
  InterlokDeployment,
  type InterlokDeploymentProps,
  InterlokImage,
  InterlokConfig,
  type InterlokConfigFiles,
  PushgatewayDeregistration,
} from './interlok-deployment';
export { InterlokLoadJob, type InterlokLoadJobProps } from './load-job';
export { PushgatewayEnv, type PushgatewayEnvProps, type IEnvContainer, type EnvValueLike } from './pushgateway-env';
export { PushgatewayEndpoint, type IPushgatewayService } from './monitoring/pushgateway-endpoint';

// Autoscaling
export {
  AdapterRule,
  type AdapterRuleProps,
  type AdapterRuleConfig,
  type AdapterConfig,
} from './monitoring/adapter-rule';
export {
  MessageMetricsHpa,
  type MessageMetricsHpaProps,
  type AutoscalerOptions,
  ScaleMetric,
  ScaleTarget,
  ScalingPolicy,
  type ScalingRules,
} from './message-metrics-hpa';
export {
  KedaScaledObject,
  type KedaScaledObjectProps,
  type KedaOptions,
  type KedaFallback,
} from './keda-scaled-object';
export { Scaler, type KedaScalerOptions } from './scaler';
export { MetricsSource, type ScrapeSourceOptions } from './monitoring/metrics-source';

// Monitoring
export {
  MonitoringStack,
  type MonitoringStackProps,
  type KubePrometheusStackOptions,
} from './monitoring/monitoring-stack';
export { MonitoringNames, type MonitoringNamesProps } from './kit/monitoring-names';
export { ServiceMonitor, type ServiceMonitorProps } from './monitoring/service-monitor';
export { PodMonitor, type PodMonitorProps } from './monitoring/pod-monitor';
export { Pushgateway, type PushgatewayProps } from './monitoring/pushgateway';
export { PrometheusServer, type PrometheusServerProps, type ScrapedPods } from './monitoring/prometheus-server';
export {
  PrometheusAdapter,
  type PrometheusAdapterProps,
  type PrometheusAdapterOptions,
  ApiServiceTls,
} from './monitoring/prometheus-adapter';
export { NetworkPeer } from './monitoring/network-peer';
export { GrafanaDashboard, type GrafanaDashboardProps } from './grafana-dashboard';

// Models of what the cluster does, to check a configuration
export {
  renderMetricsQuery,
  podValues,
  type PodsMetricRequest,
  type VectorSample,
  renderExternalMetricsQuery,
  externalValues,
  type ExternalMetricRequest,
  RuleRefusedError,
} from './model/adapter-query';
export {
  desiredReplicas,
  type ReplicaCalculationInput,
  type ReplicaCalculation,
  desiredReplicasExternal,
  type ExternalReplicaCalculationInput,
  desiredReplicasExternalValue,
  type ExternalValueReplicaCalculationInput,
} from './model/replica-calculation';
export { deploymentTotalQuery, deploymentPodRegex, type TotalQuerySource } from './model/deployment-query';
export { worstCaseReactionTimes, type ReactionTimeInputs, type ReactionTimes } from './model/reaction-time';
