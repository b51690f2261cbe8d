/**
 * `GET /artifacts/:id/:file`: the files of a compressed model (model.json and the weight files its manifest
 * lists), so `tf.loadLayersModel("http://host/artifacts/ID/model.json", { requestInit })` loads it directly.
 * Like every read, it needs a member of the model's workspace (session cookie or `Authorization: Bearer`) or a
 * share link covering it (`X-Carve-Share`, or `?share=` in the URL, which tf.io keeps for the weight files).
 */
import express, { type Router } from "express";

import { type AccessForRequest, accessFailure } from "../access/http.js";
import type { PruningRunService } from "./run.service.js";

const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

export function artifactRouter(runs: PruningRunService, accessFor: AccessForRequest): Router {
  const router = express.Router();
  router.get("/:id/:file", async (req, res, next) => {
    try {
      const { id, file } = req.params;
      // Only plain names: the file must also be listed by the model's own manifest.
      if (SAFE_NAME.test(id)) await accessFor(req).model(id, "VIEWER", "id");
      const found =
        SAFE_NAME.test(file) && SAFE_NAME.test(id) ? await runs.artifactFile(id, file) : undefined;
      if (!found) {
        res.status(404).json({
          error: `no file "${file}" in artifact "${id}"; artifact URLs come from PruningRun.artifact`,
        });
        return;
      }
      res.type(file.endsWith(".json") ? "application/json" : "application/octet-stream");
      res.sendFile(found, { dotfiles: "deny" });
    } catch (error) {
      const denied = accessFailure(error);
      if (denied) res.status(denied.status).json({ error: { code: denied.code, message: denied.message } });
      else next(error);
    }
  });
  return router;
}
