/** Bad usage: an unknown option, a missing or malformed value. Exit code 2. */
export class UsageError extends Error {}

/** A check the command ran did not pass. Exit code 1. */
export class CheckFailed extends Error {}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
