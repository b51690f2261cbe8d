/**
 * Above a form a viewer may open but not use: says why the API will refuse it (FORBIDDEN) and what to do, so the
 * refusal they get when they send it anyway is no surprise.
 */
export function ViewerNotice({ shared, action }: { shared: boolean; action: string }) {
  return (
    <p className="state state-error" role="note">
      {shared
        ? `This is a shared, read-only view: it cannot ${action}.`
        : `You are a viewer of this model's workspace: the API refuses to ${action} for viewers. Ask an owner of the workspace for the editor role.`}
    </p>
  );
}
