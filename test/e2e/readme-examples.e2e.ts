// The README examples on a real API server, part 1 of 2 (the suite and what it proves: readme-examples-suite.ts).
// The parts are balanced by the time they take: the examples that run the most pods are apart.
import { readmeExamplesSuite } from './readme-examples-suite';

readmeExamplesSuite([1, 4, 5, 6], { checkHeadings: true });
