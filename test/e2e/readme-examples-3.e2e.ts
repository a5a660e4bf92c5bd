// The README examples on a real API server, part 3 of 6 (the suite and what it proves: readme-examples-suite.ts).
import { readmeExamplesSuite } from './readme-examples-suite';

readmeExamplesSuite([3]);
