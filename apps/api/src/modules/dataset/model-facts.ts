/** The model facts the dataset, what-if and top-patches services read, from the model repository. */
import type { ModelSource } from "../../jobs/worker-protocol.js";
import type { ModelRepository, ModelRow } from "../model/model.repository.js";
import type { LayerFacts } from "../whatif/whatif.service.js";
import type { ModelFacts } from "./dataset.service.js";

export function toModelFacts(row: ModelRow): ModelFacts {
  const source: ModelSource =
    row.sourceKind === "demo" ? { kind: "demo", name: row.source } : { kind: "path", path: row.source };
  return {
    id: row.id,
    name: row.name,
    source,
    dataset: row.dataset,
    inputShape: row.inputShape,
    classNames: row.classNames,
    workspaceId: row.workspaceId,
  };
}

export interface ModelFactsReader {
  find(id: string): Promise<ModelFacts | undefined>;
  all(): Promise<ModelFacts[]>;
  layers(id: string): Promise<LayerFacts[]>;
}

export function modelFactsReader(models: ModelRepository): ModelFactsReader {
  return {
    async find(id) {
      const row = await models.findById(id);
      return row && toModelFacts(row);
    },
    async all() {
      return (await models.list(Number.MAX_SAFE_INTEGER, 0)).map(toModelFacts);
    },
    async layers(id) {
      return (await models.layersOf([id])).map((l) => ({
        name: l.name,
        className: l.className,
        groupId: l.groupId,
        filters: l.filters,
      }));
    },
  };
}
