import { afterEach, describe, expect, it, vi } from 'vitest';
import { channelsFor } from '../../functions/watch';

const SECRET = 'https://hooks.example.test/services/T0/B0/very-secret-token';
const ALERT = {
  id: 'b-1/critical/2026-11-25T12:00:00.000Z',
  kind: 'critical',
  severity: 'CRITICAL',
  at: '2026-11-25T12:00:00.000Z',
  broker: { id: 'b-1', name: 'orders-prod', region: 'eu-west-1' },
  from: 'RUNNING',
  state: 'CRITICAL_ACTION_REQUIRED',
  summary: 'orders-prod needs action.',
  remedy: 'Reboot it.',
  actions: [],
} as const;

describe('Function: channelsFor (the watcher’s channels)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('builds Slack and SNS as notifier ports named slack and sns, never showing the webhook', () => {
    // Act
    const channels = channelsFor({
      table: 'mqops-state',
      slackWebhookUrl: SECRET,
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:mqops-alerts',
    });

    // Assess: the names the store keeps for the channels an alert still has to reach.
    expect(channels.map((c) => c.channel)).toEqual(['slack', 'sns']);
    expect(JSON.stringify(channels)).not.toContain('very-secret-token');
    expect(channelsFor({ table: 'mqops-state' })).toEqual([]);
  });

  it('sends an alert to Slack as the watcher’s Block Kit message', async () => {
    // Prepare
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response('ok', { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    const [slack] = channelsFor({ table: 'mqops-state', slackWebhookUrl: SECRET });

    // Act
    await slack?.send(structuredClone(ALERT) as never);

    // Assess
    expect(fetch).toHaveBeenCalledTimes(1);
    const body = JSON.parse(String(fetch.mock.calls[0]?.[1].body)) as { text: string; blocks: unknown[] };
    expect(body.text).toBe('CRITICAL: orders-prod: critical action required');
    expect(body.blocks[0]).toMatchObject({ type: 'header' });
  });
});
