import type { Check } from '../check';

/** Checks of this group, in report order. */
export const RABBITMQ_DATA_PLANE_CHECKS: readonly Check[] = [];
