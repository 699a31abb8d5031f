/** The shape helpers change how V8 stores fields and arrays, never their values. */
import { describe, expect, it } from 'vitest';
import { doubleArray, doubleFields, objectArray } from '../../core/engine/shape.ts';

class Counters {
  bytes = 0;
  small = 7;
  label = 'x';
  constructor() {
    doubleFields(this, 'bytes', 'small');
  }
}

describe('doubleFields', () => {
  it('keeps every value, for the first object of a class and the later ones', () => {
    for (let i = 0; i < 3; i++) {
      const c = new Counters();
      expect(Object.is(c.bytes, 0)).toBe(true);
      expect(c.small).toBe(7);
      c.bytes += 2 ** 31;
      expect(c.bytes).toBe(2147483648);
    }
  });

  it('refuses a field that is not a number', () => {
    class Bad {
      label = 'x';
      constructor() {
        doubleFields(this, 'label');
      }
    }
    expect(() => new Bad()).toThrow(/label is not a number field of Bad/);
  });
});

describe('doubleArray and objectArray', () => {
  it('hold what they are given, and grow as arrays do', () => {
    const d = doubleArray([0, 2.5]);
    expect(d).toEqual([0, 2.5]);
    d.push(2 ** 40);
    expect(d).toEqual([0, 2.5, 2 ** 40]);
    const o = objectArray({ n: 1 });
    expect(o).toEqual([]);
    o.push({ n: 2 });
    expect(o).toEqual([{ n: 2 }]);
  });
});
