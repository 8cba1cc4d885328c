import type { ServiceEmulator } from '../types';
import { cloudwatchEmulator } from './cloudwatch';
import { ec2Emulator } from './ec2';
import { lambdaEmulator } from './lambda';
import { mqEmulator } from './mq';
import { pricingEmulator } from './pricing';
import { secretsManagerEmulator } from './secretsmanager';
import { securityHubEmulator } from './securityhub';
import { snsEmulator } from './sns';
import { sqsEmulator } from './sqs';
import { stsEmulator } from './sts';

/** DynamoDB and S3, served by dynalite and s3rver: created per local cloud, since their servers hold data. */
export { createProxiedEmulators, type ProxiedEmulators } from './proxied';

/** Every emulated service, routed by the SigV4 signing name of the request. */
export const emulators: readonly ServiceEmulator[] = [
  mqEmulator,
  cloudwatchEmulator,
  secretsManagerEmulator,
  snsEmulator,
  sqsEmulator,
  ec2Emulator,
  securityHubEmulator,
  pricingEmulator,
  lambdaEmulator,
  stsEmulator,
];
