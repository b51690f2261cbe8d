/**
 * `GET /artifacts/:id/:file`: the files of a compressed model (model.json and the weight files its manifest
 * lists), so `tf.loadLayersModel("http://host/artifacts/ID/model.json")` loads it directly, from any origin.
 */
import express, { type Router } from "express";

import type { PruningRunService } from "./run.service.js";

const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

export function artifactRouter(runs: PruningRunService): Router {
  const router = express.Router();
  router.get("/:id/:file", async (req, res, next) => {
    try {
      const { id, file } = req.params;
      // Only plain names: the file must also be listed by the model's own manifest.
      const found =
        SAFE_NAME.test(file) && SAFE_NAME.test(id) ? await runs.artifactFile(id, file) : undefined;
      res.setHeader("Access-Control-Allow-Origin", "*");
      if (!found) {
        res.status(404).json({
          error: `no file "${file}" in artifact "${id}"; artifact URLs come from PruningRun.artifact`,
        });
        return;
      }
      res.type(file.endsWith(".json") ? "application/json" : "application/octet-stream");
      res.sendFile(found, { dotfiles: "deny" });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
