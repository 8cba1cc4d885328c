/**
 * What to do next about an error the AWS SDK (or the network under it) raised: one line for the user, or undefined
 * when mqops has nothing useful to add. Matched on the message (and on the error's name when a caller passes
 * `${error.name}: ${error.message}`), since per-target errors reach the reports as text only.
 */
const HINTS: readonly { test: RegExp; hint: string }[] = [
  {
    // Before the generic credentials entry: an expired SSO session also surfaces as a CredentialsProviderError.
    test: /SSO session .*(expired|invalid)|Token is expired|ExpiredToken|security token included in the request is expired/i,
    hint: 'the credentials have expired: refresh them (`aws sso login`, or new session credentials), then run again',
  },
  {
    // The default credential chain found nothing (no variables, no profile, no SSO session, no instance role).
    test: /Could not load credentials from any providers|CredentialsProviderError|Unable to find environment variable credentials/i,
    hint:
      'set AWS_PROFILE or pass --profile NAME, or run `aws configure` / `aws sso login`; ' +
      'or try the demo with --local',
  },
  {
    test: /Profile \S+ could not be found|could not resolve credentials using profile|config profile \S+ not found/i,
    hint: 'check the profile name (`aws configure list-profiles`), or set AWS_PROFILE / pass --profile NAME',
  },
  {
    test: /Region is missing|Unable to determine region|region.*(not set|is missing)/i,
    hint: 'pass --region REGION or set AWS_REGION (or a region in your AWS profile)',
  },
  {
    test: /UnrecognizedClientException|InvalidClientTokenId|security token included in the request is invalid|SignatureDoesNotMatch|request signature we calculated does not match/i,
    hint:
      'the credentials are not valid for this account or endpoint: check AWS_PROFILE / --profile, the access key ' +
      'and AWS_ENDPOINT_URL',
  },
  {
    test: /AccessDenied|not authorized to perform|UnauthorizedOperation|Access Denied|AuthorizationError/i,
    hint: 'the role needs the IAM actions listed by `npm run iam`',
  },
  {
    // Node's network errors, and the SDK's request and connection timeouts.
    test: /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|getaddrinfo|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|socket hang up|timed? ?out|TimeoutError/i,
    hint: 'the AWS endpoint cannot be reached: check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, the proxy and the network',
  },
];

/** One line saying what to do next about `message`, or undefined. */
export function hintFor(message: string): string | undefined {
  return HINTS.find((h) => h.test.test(message))?.hint;
}
