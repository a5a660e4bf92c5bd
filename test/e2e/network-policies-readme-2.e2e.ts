// The README examples' NetworkPolicies proven with traffic, part 2 of 2 (the suite and what it proves:
// network-policies-readme-suite.ts): the kube-prometheus-stack and scrape mode examples.
import { NETWORK_POLICY_EXAMPLES, networkPoliciesReadmeSuite } from './network-policies-readme-suite';

networkPoliciesReadmeSuite(NETWORK_POLICY_EXAMPLES.slice(2));
