// The README examples on a real API server, part 1 of 4 (the suite and what it proves: readme-examples-suite.ts).
// Four parts, each a file that a test cluster of `npm test` takes on its own (scripts/e2e-queue.ts): the fleet (3)
// and the stack with its own pods (2) take the longest and stand alone.
import { readmeExamplesSuite } from './readme-examples-suite';

readmeExamplesSuite([1, 4], { checkHeadings: true });
