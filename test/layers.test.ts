/**
 * The layers at run time: lib/core and lib/model load without cdk8s, cdk8s-plus or constructs (the lint rules
 * check the imports as written; this checks what really loads, type imports and re-exports included).
 */
import { readdirSync } from 'fs';
import { join } from 'path';

const loaded: string[] = [];
jest.mock('cdk8s', () => {
  loaded.push('cdk8s');
  throw new Error('loaded cdk8s');
});
jest.mock('cdk8s-plus-27', () => {
  loaded.push('cdk8s-plus-27');
  throw new Error('loaded cdk8s-plus-27');
});
jest.mock('constructs', () => {
  loaded.push('constructs');
  throw new Error('loaded constructs');
});

const lib = join(__dirname, '..', 'lib');
const files = (dir: string) =>
  readdirSync(join(lib, dir))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => `${dir}/${f}`);

beforeEach(() => {
  loaded.length = 0;
});

test.each([...files('core'), ...files('model')])('lib/%s loads without cdk8s, cdk8s-plus-27 or constructs', (file) => {
  jest.isolateModules(() => {
    require(join(lib, file));
  });
  expect(loaded).toEqual([]);
});

test('the model is all there: replica counts, adapter queries, reaction times, manifests', () => {
  expect(files('model')).toEqual(
    expect.arrayContaining([
      'model/replica-calculation.ts',
      'model/adapter-query.ts',
      'model/reaction-time.ts',
      'model/manifests.ts',
      'model/simulation.ts',
      'model/adapter-config.ts',
    ]),
  );
});

test('the guard works: a construct file does load cdk8s', () => {
  expect(() =>
    jest.isolateModules(() => {
      require(join(lib, 'monitoring/adapter-rule.ts'));
    }),
  ).toThrow(/loaded (cdk8s|constructs)/);
  expect(loaded.length).toBeGreaterThan(0);
});
