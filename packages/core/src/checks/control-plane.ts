import type { Check } from '../check';

/** Checks of this group, in report order. */
export const CONTROL_PLANE_CHECKS: readonly Check[] = [];
