import type { Check } from '../check';

/** Checks of this group, in report order. */
export const ACTIVEMQ_CONFIG_CHECKS: readonly Check[] = [];
