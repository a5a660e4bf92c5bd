// The README examples' NetworkPolicies proven with traffic, part 1 of 2 (the suite and what it proves:
// network-policies-readme-suite.ts): the fleet and KEDA examples.
import { NETWORK_POLICY_EXAMPLES, networkPoliciesReadmeSuite } from './network-policies-readme-suite';

networkPoliciesReadmeSuite(NETWORK_POLICY_EXAMPLES.slice(0, 2), { checkHeadings: true });
