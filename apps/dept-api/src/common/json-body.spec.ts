import { charsetOf, jsonTooDeep } from './json-body';

it('measures JSON depth without recursion, skipping strings', () => {
  expect(jsonTooDeep('{"a":1}', 1)).toBe(false);
  expect(jsonTooDeep('{"a":{"b":1}}', 1)).toBe(true);
  expect(jsonTooDeep('{"a":"[[[[[[[[[[\\"[[["}', 1)).toBe(false);
  expect(jsonTooDeep('['.repeat(100_000))).toBe(true);
});

it('reads the charset parameter', () => {
  expect(charsetOf('application/json')).toBeUndefined();
  expect(charsetOf('application/json; charset=UTF-8')).toBe('utf-8');
  expect(charsetOf('application/json;charset="utf-16"')).toBe('utf-16');
});
