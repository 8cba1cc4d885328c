import type { Check } from '../check';

/** Checks of this group, in report order. */
export const NETWORK_IDENTITY_CHECKS: readonly Check[] = [];
