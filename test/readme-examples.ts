/**
 * The ```ts blocks of README.md: run verbatim by test/consumer.test.ts and on a real cluster by
 * test/e2e/readme-examples-suite.ts.
 */

/** Every ```ts block of the README, with the heading of its section. */
export function readmeExamples(text: string): Array<{ heading: string; code: string }> {
  const out: Array<{ heading: string; code: string }> = [];
  let heading = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '');
    if (line === '```ts' || line === '```typescript') {
      const end = lines.indexOf('```', i + 1);
      out.push({ heading, code: lines.slice(i + 1, end).join('\n') + '\n' });
      i = end;
    }
  }
  return out;
}
