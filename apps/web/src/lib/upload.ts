/** Sends files to the API's POST /uploads through the dashboard; resolves with the upload's id. */
export async function uploadFiles(files: readonly File[]): Promise<string> {
  if (files.length === 0) throw new Error("Choose the files to upload first.");
  const form = new FormData();
  // A folder's files keep their path below it (e.g. "cat/001.png"), which tells the API their class.
  for (const file of files) form.append("file", file, file.webkitRelativePath || file.name);
  const response = await fetch("/api/uploads", { method: "POST", body: form });
  const body = (await response.json().catch(() => ({}))) as {
    id?: string;
    error?: { code?: string; message?: string } | string;
    message?: string;
    code?: string;
  };
  if (response.ok && body.id) return body.id;
  const error =
    typeof body.error === "object" ? body.error : { message: body.error ?? body.message, code: body.code };
  throw new Error(
    `The upload was refused${error?.code ? ` (${error.code})` : ""}: ${error?.message ?? `HTTP ${response.status}`}`,
  );
}
