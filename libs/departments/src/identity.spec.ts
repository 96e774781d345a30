import { codePoints, DEPT_TEXT_PATTERN, deptNameProblem, deptNoProblem, payloadProblem } from './identity';

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
