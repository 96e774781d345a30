import fc from 'fast-check';
import { codePoints, DEPT_TEXT_PATTERN, deptNameProblem, deptNoProblem, fullTextProblem, payloadProblem, textProblem } from './identity';

describe('what an id and a name may be', () => {
  it.each(['d001', 'D001', 'café', 'findAll', '😀'.repeat(40), '👩‍💻', 'a b', 'a/b', '%', 'x'.repeat(40)])('accepts %j', (id) => {
    expect(deptNoProblem(id)).toBeNull();
    expect(new RegExp(DEPT_TEXT_PATTERN, 'u').test(id)).toBe(true);
  });

  it.each([
    ['empty', ''], ['41 characters', 'x'.repeat(41)], ['41 emoji', '😀'.repeat(41)], ['lone surrogate', 'a\ud800'], ['NUL', 'a\u0000'],
    ['LF', 'a\nb'], ['C1', 'a\u0085'], ['line separator', 'a\u2028'], ['bidi override', '\u202eab'], ['BOM', '\ufeffa'],
    ['trailing space', 'd002 '], ['leading space', ' d002'], ['whitespace only', '  '], ['NFD', 'cafe\u0301'], ['dot', '.'], ['dot dot', '..'],
    ['a number', 7], ['null', null],
  ])('refuses %s', (_name, id) => {
    expect(deptNoProblem(id)).toEqual(expect.any(String));
  });

  it('gives the same answer through its ASCII shortcut as through every rule', () => {
    // Near the shortcut's edges: ASCII with spaces, controls and DEL at either end or inside, the
    // length limit, and characters just outside ASCII.
    const near = fc.constantFrom(' ', '\t', '\n', '\r', '\u000b', '\u000c', '\u001f', '\u007f', '\u0080', '\u0085', '\u00a0', '\u00e9', '!', '~', 'a', '.', 'é', '\u2028', '\ud800', '😀');
    const text = fc.oneof(
      fc.string({ maxLength: 45 }),
      fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 3 }), near), { maxLength: 45 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 45 }), (s, max) => {
        expect(textProblem('deptNo', s, max)).toBe(fullTextProblem('deptNo', s, max));
      }),
      { numRuns: 20_000 },
    );
    for (const s of ['', ' ', 'a ', ' a', 'a\u007f', '\u007fa', 'x'.repeat(40), 'x'.repeat(41), 'a b', '!~']) {
      expect(textProblem('deptNo', s)).toBe(fullTextProblem('deptNo', s));
    }
  });

  it('counts code points, as MariaDB and JSON Schema do', () => {
    expect(codePoints('😀'.repeat(40))).toBe(40);
    expect('😀'.repeat(40).length).toBe(80);
    expect(deptNameProblem('😀'.repeat(40))).toBeNull();
  });

  it('a payload is opaque but well formed', () => {
    expect(payloadProblem('\u0000 any bytes\n')).toBeNull();
    expect(payloadProblem('\udfff')).toEqual(expect.any(String));
    expect(payloadProblem(null)).toEqual(expect.any(String));
    expect(payloadProblem('x'.repeat(4097))).toEqual(expect.any(String));
  });
});

describe('the OpenAPI pattern never allows less than the server', () => {
  it('whatever the server accepts matches the documented pattern and length (random full-Unicode strings)', () => {
    const pattern = new RegExp(DEPT_TEXT_PATTERN, 'u');
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 45 }), fc.string({ unit: 'binary', maxLength: 6 }), (a, b) => {
        for (const s of [a, b, a + b, ` ${a}`]) {
          if (deptNoProblem(s) === null) {
            expect(pattern.test(s)).toBe(true);
            expect(codePoints(s)).toBeLessThanOrEqual(40);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
