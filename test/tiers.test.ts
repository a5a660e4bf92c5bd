/**
 * The unit tier (`npm run test:unit`, jest project "unit") starts no child process and runs no binary: a test that
 * does belongs to the "package" tier (its file named in package.json's jest projects) or to test/chain/.
 */
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

const root = join(__dirname, '..');
const projects: any[] = require('../package.json').jest.projects;
const packageTier = new RegExp(projects.find((p) => p.displayName === 'package').testRegex);

test('no unit test file spawns a process, directly or through a helper that does', () => {
  const unit = readdirSync(join(root, 'test')).filter(
    (f) => f.endsWith('.test.ts') && f !== 'tiers.test.ts' && !packageTier.test(`/test/${f}`),
  );
  expect(unit.length).toBeGreaterThan(20);
  const spawning = unit.filter((f) =>
    /child_process|runReadmeExample\(|cliBundle\(|execFileSync|spawnSync/.test(
      readFileSync(join(root, 'test', f), 'utf-8'),
    ),
  );
  expect(spawning).toEqual([]);
  // the in-process CLI helper the unit tests use does not spawn either
  expect(readFileSync(join(root, 'test', 'support', 'cli.ts'), 'utf-8')).not.toMatch(/child_process/);
});

test('the three tiers cover every test file once', () => {
  expect(projects.map((p) => p.displayName)).toEqual(['unit', 'chain', 'package']);
});
