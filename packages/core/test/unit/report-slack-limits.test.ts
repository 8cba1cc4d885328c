import { describe, expect, it } from 'vitest';
import { clipText, SLACK_LIMITS, SLACK_RATE } from '../../src/report/slack-limits';

describe('Constant: SLACK_LIMITS', () => {
  it("holds Slack's documented Block Kit limits and its webhook rate", () => {
    expect(SLACK_LIMITS).toMatchObject({
      blocks: 50,
      sectionText: 3000,
      headerText: 150,
      fields: 10,
      fieldText: 2000,
      contextElements: 10,
      messageText: 40_000,
    });
    expect(SLACK_LIMITS.totalBlocksText).toBeLessThan(12_000);
    expect(SLACK_RATE.webhookIntervalMs).toBe(1000);
  });
});

describe('Function: clipText', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven chars', 10, 'eleven ch…'],
  ])('clips %j to %i characters', (text, max, clipped) => {
    // Act
    const out = clipText(text, max);

    // Assess
    expect(out).toBe(clipped);
    expect(out.length).toBeLessThanOrEqual(max);
  });
});
