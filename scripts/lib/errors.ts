/**
 * An error the user can act on. scripts/lib/cli.ts prints its message alone (no stack trace), because the message
 * already says what is wrong and the command that fixes it.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}
