import { describe, expect, it } from 'vitest';
import { progressBar } from '../../src/progress';

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, s: { isTTY, write: (t: string) => written.push(t) } as unknown as NodeJS.WriteStream };
}

describe('Function: progressBar', () => {
  it('draws a bar on a terminal and clears it at the end', () => {
    const { written, s } = stream(true);
    const bar = progressBar(s, 'auditing');
    bar.update(50, 100);
    bar.update(100, 100);
    bar.end();
    expect(written[0]).toBe(`\rauditing [${'#'.repeat(15)}${'-'.repeat(15)}] 50/100`);
    expect(written[1]).toContain('100/100');
    expect(written.at(-1)).toBe('\r\x1b[K');
  });

  it('stays silent when the output is not a terminal, or the run is short', () => {
    const piped = stream(false);
    progressBar(piped.s, 'x').update(5, 100);
    const short = stream(true);
    const bar = progressBar(short.s, 'x');
    bar.update(5, 10);
    bar.end();
    expect(piped.written).toEqual([]);
    expect(short.written).toEqual([]);
  });
});
