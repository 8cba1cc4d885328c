import { describe, expect, it } from 'vitest';
import { compareMinor, engineSupport, isoDay, knownMinors, parseMinor } from '../../src/engine-support';

describe('Function: engineSupport', () => {
  it.each([
    ['ACTIVEMQ', '5.15.16', '5.15', '2024-09-16'],
    ['ACTIVEMQ', '5.16.7', '5.16', '2024-11-15'],
    ['ACTIVEMQ', '5.17.6', '5.17', '2025-06-16'],
    ['ACTIVEMQ', '5.17', '5.17', '2025-06-16'],
    ['RABBITMQ', '3.8.34', '3.8', '2024-09-16'],
    ['RABBITMQ', '3.9.27', '3.9', '2024-09-16'],
    ['RABBITMQ', '3.10.25', '3.10', '2024-10-15'],
    ['RABBITMQ', '3.11.28', '3.11', '2025-02-17'],
    ['RABBITMQ', '3.12.13', '3.12', '2025-03-17'],
  ] as const)('%s %s (minor %s) ends on %s', (engine, version, minor, date) => {
    const support = engineSupport(engine, version);
    expect(support).toEqual({ minor, endOfSupport: new Date(`${date}T00:00:00Z`), known: true });
  });

  it.each([
    ['ACTIVEMQ', '5.18', '5.18'],
    ['ACTIVEMQ', '5.18.4', '5.18'],
    ['ACTIVEMQ', '5.19.0', '5.19'],
    ['RABBITMQ', '3.13', '3.13'],
    ['RABBITMQ', '3.13.7', '3.13'],
    ['RABBITMQ', '4.2', '4.2'],
    ['RABBITMQ', '4.2.1', '4.2'],
    ['RABBITMQ', '4.3', '4.3'],
  ] as const)('%s %s (minor %s) is supported with no end announced', (engine, version, minor) => {
    expect(engineSupport(engine, version)).toEqual({ minor, known: true });
  });

  it.each([
    ['ACTIVEMQ', '5.14.5', '5.14'],
    ['ACTIVEMQ', '4.1', '4.1'],
    ['RABBITMQ', '3.7.28', '3.7'],
  ] as const)(
    'treats %s %s, older than the calendar, as ended on the oldest known date',
    (engine, version, minor) => {
      expect(engineSupport(engine, version)).toEqual({
        minor,
        endOfSupport: new Date('2024-09-16T00:00:00Z'),
        known: true,
      });
    },
  );

  it.each([
    ['ACTIVEMQ', '5.20.1', '5.20'],
    ['ACTIVEMQ', '6.1.0', '6.1'],
    ['RABBITMQ', '4.0.5', '4.0'],
    ['RABBITMQ', '5.0', '5.0'],
  ] as const)('does not know %s %s, newer than the calendar or never offered', (engine, version, minor) => {
    expect(engineSupport(engine, version)).toEqual({ minor, known: false });
  });

  it.each(['', 'latest', '5', '5.17.6.1', 'v5.17', '5.x'])('cannot read the version %j', (version) => {
    expect(engineSupport('ACTIVEMQ', version)).toEqual({ minor: '', known: false });
  });

  it('does not mix the engines up', () => {
    expect(engineSupport('RABBITMQ', '5.17.6').known).toBe(false);
    expect(engineSupport('ACTIVEMQ', '3.11.28').endOfSupport).not.toEqual(new Date('2025-02-17T00:00:00Z'));
  });
});

describe('Function: parseMinor', () => {
  it('reads major and minor as numbers, so 3.10 is newer than 3.9', () => {
    const a = parseMinor('3.10.25');
    const b = parseMinor('3.9');
    expect(a).toEqual({ major: 3, minor: 10 });
    expect(b).toEqual({ major: 3, minor: 9 });
    expect(compareMinor(a!, b!)).toBeGreaterThan(0);
    expect(compareMinor(b!, a!)).toBeLessThan(0);
    expect(compareMinor({ major: 4, minor: 2 }, { major: 3, minor: 13 })).toBeGreaterThan(0);
    expect(compareMinor({ major: 5, minor: 18 }, { major: 5, minor: 18 })).toBe(0);
  });

  it('accepts surrounding whitespace', () => {
    expect(parseMinor(' 5.18.4 ')).toEqual({ major: 5, minor: 18 });
  });
});

describe('Function: knownMinors', () => {
  it('lists the calendar oldest first', () => {
    expect(knownMinors('ACTIVEMQ')).toEqual(['5.15', '5.16', '5.17', '5.18', '5.19']);
    expect(knownMinors('RABBITMQ')).toEqual(['3.8', '3.9', '3.10', '3.11', '3.12', '3.13', '4.2', '4.3']);
  });
});

describe('Function: isoDay', () => {
  it('formats the UTC day', () => {
    expect(isoDay(new Date('2025-06-16T23:59:59Z'))).toBe('2025-06-16');
  });
});
