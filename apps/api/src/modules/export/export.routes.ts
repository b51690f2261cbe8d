/**
 * `GET /exports/runs/ID.html|.json|.csv` and `GET /exports/comparison.html|.json|.csv?runs=A,B`: a pruning run,
 * or runs side by side, as a self-contained HTML report, JSON, or CSV (one row per filter of the pruned
 * layers). Like every read they need a member of the runs' workspace (session cookie or `Authorization:
 * Bearer`) or a share link covering every run (`X-Carve-Share`, or `?share=` in the URL): 401 without
 * credentials, 404 for a run the caller may not read (as for one that does not exist).
 */
import express, { type Response, type Router } from "express";

import { ApiError, isApiError } from "../../errors.js";
import type { Access } from "../access/access.js";
import { type AccessForRequest, accessFailure } from "../access/http.js";
import { MAX_COMPARED_RUNS } from "../share/share.service.js";
import { renderCsv } from "./export.csv.js";
import { renderHtml } from "./export.html.js";
import type { ExportReport, ExportService } from "./export.service.js";

export const EXPORTS_PATH = "/exports";

type Format = "html" | "json" | "csv";

/** The export URLs of a run, relative to the API's origin. */
export function runExportUrls(runId: string): Record<Format, string> {
  const base = `${EXPORTS_PATH}/runs/${encodeURIComponent(runId)}`;
  return { html: `${base}.html`, json: `${base}.json`, csv: `${base}.csv` };
}

/** Where several runs side by side download, relative to the API's origin (`runIds` checked, in this order). */
export function comparisonExportUrls(runIds: readonly string[]): Record<Format, string> {
  const runs = runIds.map(encodeURIComponent).join(",");
  return {
    html: `${EXPORTS_PATH}/comparison.html?runs=${runs}`,
    json: `${EXPORTS_PATH}/comparison.json?runs=${runs}`,
    csv: `${EXPORTS_PATH}/comparison.csv?runs=${runs}`,
  };
}

/** The run ids of a comparison: 2 to MAX_COMPARED_RUNS different ones, or INVALID_ARGUMENT naming `argument`. */
export function comparedRuns(ids: readonly string[], argument: string): string[] {
  const trimmed = ids.map((id) => id.trim());
  if (
    trimmed.length < 2 ||
    trimmed.length > MAX_COMPARED_RUNS ||
    trimmed.some((id) => id === "") ||
    new Set(trimmed).size !== trimmed.length
  ) {
    throw new ApiError(
      "INVALID_ARGUMENT",
      `${argument}: a comparison takes 2 to ${MAX_COMPARED_RUNS} different run ids, got ${trimmed.length}`,
      { argument },
    );
  }
  return trimmed;
}

function parseFile(file: string): { name: string; format: Format } | undefined {
  const match = /^(.+)\.(html|json|csv)$/.exec(file);
  return match ? { name: match[1]!, format: match[2] as Format } : undefined;
}

function fail(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

function send(res: Response, report: ExportReport, format: Format, fileName: string): void {
  // Reports hold a workspace's results: never cached by a shared cache, and opened as files.
  res.setHeader("Cache-Control", "private, no-store");
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader(
    "Content-Disposition",
    `${format === "html" ? "inline" : "attachment"}; filename="${fileName}.${format}"`,
  );
  if (format === "html") {
    res.setHeader("Content-Security-Policy", "default-src 'none'; img-src data:; style-src 'unsafe-inline'");
    res.type("html").send(renderHtml(report));
  } else if (format === "json") {
    res.type("json").send(JSON.stringify(report, null, 2));
  } else {
    res.type("text/csv; charset=utf-8").send(renderCsv(report));
  }
}

/**
 * Checks the caller reads every run (throws the access error otherwise); the runs whose model's analyses
 * they may read too (a member, or a share link to the model — a link to runs shares no analysis).
 */
async function readableRuns(access: Access, ids: readonly string[], argument: string): Promise<Set<string>> {
  const withAnalyses = new Set<string>();
  for (const id of ids) {
    const { workspaceId } = await access.run(id, "VIEWER", argument);
    if ((await access.within(workspaceId)).analyses) withAnalyses.add(id);
  }
  return withAnalyses;
}

export function exportRouter(exports: ExportService, accessFor: AccessForRequest): Router {
  const router = express.Router();

  router.get("/runs/:file", async (req, res, next) => {
    try {
      const parsed = parseFile(req.params.file);
      if (!parsed) {
        fail(
          res,
          404,
          "NOT_FOUND",
          `no export "${req.params.file}": ask for /exports/runs/RUN_ID.html, .json or .csv`,
        );
        return;
      }
      const readable = await readableRuns(accessFor(req), [parsed.name], "id");
      const report = await exports.report("run", [parsed.name], {
        images: parsed.format !== "csv",
        analysesOf: readable,
      });
      send(res, report, parsed.format, `carve-run-${parsed.name.replace(/[^A-Za-z0-9_-]/g, "_")}`);
    } catch (error) {
      const denied = accessFailure(error);
      if (denied) fail(res, denied.status, denied.code, denied.message);
      else next(error);
    }
  });

  router.get("/:file", async (req, res, next) => {
    try {
      const parsed = parseFile(req.params.file);
      if (!parsed || parsed.name !== "comparison") {
        next();
        return;
      }
      const ids = comparedRuns(
        typeof req.query.runs === "string" ? req.query.runs.split(",") : [],
        "runs (?runs=A,B)",
      );
      const readable = await readableRuns(accessFor(req), ids, "runs");
      const report = await exports.report("comparison", ids, {
        images: parsed.format !== "csv",
        analysesOf: readable,
      });
      send(res, report, parsed.format, "carve-comparison");
    } catch (error) {
      const denied = accessFailure(error);
      if (denied) fail(res, denied.status, denied.code, denied.message);
      else if (isApiError(error, "INVALID_ARGUMENT")) fail(res, 400, error.code, error.message);
      else next(error);
    }
  });

  return router;
}
