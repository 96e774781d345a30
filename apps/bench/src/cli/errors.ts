/** An error a user can fix: printed as one line (no stack trace) with a non-zero exit. */
export class UserError extends Error {}
