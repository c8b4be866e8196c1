// Compares an example's output with the expected file: the same number of lines, each equal,
// where `*` in an expected line matches any run of characters (ids, timestamps, ports).
// Usage: node match-output.mjs <expected file> <actual file> <label>
import { readFileSync } from 'node:fs';

const [expectedFile, actualFile, label] = process.argv.slice(2);
const toLines = (text) => text.replace(/\n$/, '').split('\n');
let expectedText = '';
try {
  expectedText = readFileSync(expectedFile, 'utf8');
} catch {
  console.error(`${label}: no expected output ${expectedFile}`);
  process.exit(1);
}
const expected = toLines(expectedText);
const actualText = readFileSync(actualFile, 'utf8');
const actual = actualText === '' ? [] : toLines(actualText);
const pattern = (line) =>
  new RegExp(
    `^${line
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

const wanted = expected.length === 1 && expected[0] === '' ? [] : expected;
const mismatch = wanted.findIndex((line, i) => !pattern(line).test(actual[i] ?? ''));
if (mismatch >= 0 || actual.length !== wanted.length) {
  const at = mismatch >= 0 ? mismatch : Math.min(actual.length, wanted.length);
  console.error(`${label}: output differs from ${expectedFile} at line ${at + 1}`);
  console.error(`  expected: ${wanted[at] ?? '(end of output)'}`);
  console.error(`  actual:   ${actual[at] ?? '(end of output)'}`);
  console.error(`--- whole output ---\n${actualText}--- end ---`);
  process.exit(1);
}
