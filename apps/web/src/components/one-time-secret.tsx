"use client";

import { useState } from "react";

/**
 * A secret the API shows once (an API token, an invite or share link): read-only, selectable, with a copy
 * button, and a plain warning that it will not be shown again.
 */
export function OneTimeSecret({ label, value, note }: { label: string; value: string; note?: string }) {
  const [copied, setCopied] = useState<"yes" | "failed">();
  const id = `secret-${label.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;

  async function onCopy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied("yes");
    } catch {
      // Clipboard access needs a secure context (https or localhost) and permission.
      setCopied("failed");
    }
  }

  return (
    <div className="panel one-time-secret" role="status">
      <label htmlFor={id}>{label}</label>
      <div className="secret">
        <input id={id} readOnly value={value} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="secondary" onClick={onCopy}>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      {copied === "failed" && (
        <p className="field-error">
          The browser refused the clipboard; select the text and copy it yourself.
        </p>
      )}
      <p className="hint">{note ?? "Shown this once: Carve keeps only a hash. Copy it now."}</p>
    </div>
  );
}
