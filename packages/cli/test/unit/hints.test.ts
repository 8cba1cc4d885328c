import { describe, expect, it } from 'vitest';
import { hintFor } from '../../src/hints';

describe('hintFor', () => {
  it.each([
    // The SDK's default credential chain when nothing is configured.
    [
      'Could not load credentials from any providers',
      /AWS_PROFILE.*--profile NAME.*aws configure.*aws sso login.*--local/,
    ],
    ['CredentialsProviderError: Could not load credentials from any providers', /--profile NAME/],
    ['Region is missing', /--region REGION or set AWS_REGION/],
    ['connect ECONNREFUSED 127.0.0.1:4566', /AWS_ENDPOINT_URL.*network/],
    ['getaddrinfo ENOTFOUND mq.eu-west-1.amazonaws.com', /AWS_ENDPOINT_URL.*network/],
    ['getaddrinfo EAI_AGAIN mq.eu-west-1.amazonaws.com', /AWS_ENDPOINT_URL/],
    ['TimeoutError: Connection timed out after 5000 ms', /AWS_ENDPOINT_URL/],
    ['socket hang up', /AWS_ENDPOINT_URL/],
    [
      'User: arn:aws:sts::123456789012:assumed-role/ops/me is not authorized to perform: mq:ListBrokers on resource: *',
      /IAM actions listed by `npm run iam`/,
    ],
    ['AccessDeniedException: access denied', /npm run iam/],
    ['Access Denied', /npm run iam/],
    [
      'UnrecognizedClientException: The security token included in the request is invalid.',
      /credentials are not valid/,
    ],
    ['The security token included in the request is invalid.', /credentials are not valid/],
    ['ExpiredToken: The security token included in the request is expired', /expired.*aws sso login/],
    ['The SSO session associated with this profile has expired or is otherwise invalid.', /aws sso login/],
  ])('%s → a hint', (message, hint) => {
    const text = hintFor(message);
    expect(text).toMatch(hint);
    // One line, to print after "  hint: ".
    expect(text).not.toContain('\n');
  });

  it.each([
    'unknown broker: b-nope',
    'cannot read scenario /nonexistent/fleet.json',
    'invalid mqops configuration in mqops.config.json: policy.maxCredentialAgeDays',
    'broker payments-prod: "keep", not a resize: nothing to plan',
    '',
  ])('has nothing to add to %j', (message) => {
    expect(hintFor(message)).toBeUndefined();
  });
});
