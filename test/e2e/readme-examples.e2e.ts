// The README examples on a real API server, part 1 of 6 (the suite and what it proves: readme-examples-suite.ts).
// Six parts, one example each, each a file that a test cluster of `npm test` takes on its own (scripts/e2e-queue.ts),
// so that the queue has pieces to fill in with; their times differ from run to run (the client-side applies and diffs
// compute).
import { readmeExamplesSuite } from './readme-examples-suite';

readmeExamplesSuite([1], { checkHeadings: true });
