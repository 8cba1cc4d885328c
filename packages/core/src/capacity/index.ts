/** The capacity loop: measure, recommend, plan, apply inside the maintenance window. */
export * from './apply-window';
export * from './events';
export * from './maintenance';
export * from './metrics';
export * from './plan';
export * from './policy';
export * from './ports';
export * from './prices';
export * from './recommend';
export * from './rightsize';
