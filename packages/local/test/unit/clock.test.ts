import { describe, expect, it } from 'vitest';
import { ControllableClock } from '../../src/clock';

describe('Class: ControllableClock', () => {
  it('stands exactly at its start when frozen, and moves only when told', () => {
    for (let i = 0; i < 200; i++) {
      const clock = new ControllableClock('2025-03-10T12:00:00.000Z', { frozen: true });
      expect(clock.now().toISOString()).toBe('2025-03-10T12:00:00.000Z');
    }
    const clock = new ControllableClock('2025-03-10T12:00:00.000Z', { frozen: true });
    clock.advance(1500);
    expect(clock.now().toISOString()).toBe('2025-03-10T12:00:01.500Z');
    clock.set('2026-01-01T00:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  it('follows the wall clock from its start when not frozen, and refuses to go back or to bad dates', () => {
    const clock = new ControllableClock('2025-03-10T12:00:00.000Z');
    const first = clock.now().getTime();
    expect(first - Date.parse('2025-03-10T12:00:00.000Z')).toBeLessThan(1000);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.set('not a date')).toThrow(RangeError);
  });
});

describe('Method: ControllableClock.onChange', () => {
  it('tells listeners of every advance and set, until removed', () => {
    // prepare
    const clock = new ControllableClock('2025-03-10T12:00:00.000Z', { frozen: true });
    const heard: string[] = [];
    const remove = clock.onChange((now) => heard.push(now.toISOString()));
    // act
    clock.advance(1000);
    clock.set('2025-03-11T00:00:00.000Z');
    remove();
    clock.advance(1000);
    // assess
    expect(heard).toEqual(['2025-03-10T12:00:01.000Z', '2025-03-11T00:00:00.000Z']);
    expect(clock.frozen).toBe(true);
    expect(new ControllableClock().frozen).toBe(false);
  });
});
