import { describe, expect, it } from 'vitest';
import {
  ACTIONS_REQUIRED,
  ACTIONS_REQUIRED_GUIDE_URL,
  explainActionRequired,
} from '../../src/actions-required';

describe('Module: actions-required', () => {
  it.each(Object.keys(ACTIONS_REQUIRED))('explains %s with a meaning, a remedy and an AWS page', (code) => {
    const action = explainActionRequired(code);
    expect(action.known).toBe(true);
    expect(action.code).toBe(code);
    expect(action.meaning).toMatch(/^[a-zA-Z"'].{20,}[^.]$/);
    expect(action.remedy.length).toBeGreaterThan(60);
    expect(action.docUrl).toMatch(
      /^https:\/\/docs\.aws\.amazon\.com\/amazon-mq\/latest\/developer-guide\/troubleshooting-action-required-codes/,
    );
  });

  it.each(['BROKER_ENI_DELETED', 'BROKER_OOM', 'RABBITMQ_MEMORY_ALARM', 'RABBITMQ_INVALID_KMS_KEY'])(
    'links %s to its own troubleshooting page',
    (code) => {
      expect(explainActionRequired(code).docUrl).not.toBe(ACTIONS_REQUIRED_GUIDE_URL);
    },
  );

  it.each(['SOMETHING_NEW', 'toString', '__proto__'])('points an unknown code (%s) at the guide', (code) => {
    expect(explainActionRequired(code)).toMatchObject({
      code,
      known: false,
      meaning: 'see the Amazon MQ troubleshooting guide',
      docUrl: ACTIONS_REQUIRED_GUIDE_URL,
    });
  });
});
