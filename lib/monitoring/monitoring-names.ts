// The names moved to the construct kit (lib/kit/monitoring-names.ts), which every construct layer reads; this path
// stays for the tests and tools that import it from here (test/e2e).
export { DEFAULT_NAMES, MonitoringNames, type MonitoringNamesProps } from '../kit/monitoring-names';
