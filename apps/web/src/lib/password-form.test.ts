import { describe, expect, it } from "vitest";

import { validatePasswordForm } from "./password-form";

const valid = { hasPassword: true, current: "old secret", next: "correct horse", repeat: "correct horse" };

describe("validatePasswordForm", () => {
  it("accepts a long enough new password typed twice", () => {
    expect(validatePasswordForm(valid)).toBeUndefined();
  });
  it("wants the current password only when one is set", () => {
    expect(validatePasswordForm({ ...valid, current: "" })).toMatch(/current password/);
    expect(validatePasswordForm({ ...valid, hasPassword: false, current: "" })).toBeUndefined();
  });
  it("counts the characters of a short password and catches a typo in the repeat", () => {
    expect(validatePasswordForm({ ...valid, next: "short", repeat: "short" })).toMatch(/at least 8.*has 5/);
    expect(validatePasswordForm({ ...valid, repeat: "correct horsf" })).toMatch(/differ/);
  });
});
