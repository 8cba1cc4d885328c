/** A usage mistake: the CLI exits with code 2 and the message. */
export class UsageError extends Error {}
