/** The password forms' checks before anything is sent (the API checks again and has the last word). */

/** The API's rule (apps/api …/auth/password.ts): at least this many characters. */
export const MIN_PASSWORD_LENGTH = 8;

export interface PasswordFormValues {
  /** Whether the account has a password already (then the current one is needed). */
  hasPassword: boolean;
  current: string;
  next: string;
  repeat: string;
}

/** What is wrong with the values, in a sentence; undefined when they can be sent. */
export function validatePasswordForm(values: PasswordFormValues): string | undefined {
  if (values.hasPassword && !values.current) return "Enter your current password.";
  if (values.next.length < MIN_PASSWORD_LENGTH)
    return `The new password needs at least ${MIN_PASSWORD_LENGTH} characters (it has ${values.next.length}).`;
  if (values.next !== values.repeat) return "The two new passwords differ; type the same one twice.";
  return undefined;
}
