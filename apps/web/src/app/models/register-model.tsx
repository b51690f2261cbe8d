"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";
import { uploadFiles } from "@/lib/upload";
import { FormError } from "@/components/form-error";

/** The demo models shipped with Carve (packages/core/models), as `registerDemoModel` names them. */
export const DEMO_MODELS = [
  { name: "mnist", label: "mnist — handwritten digits (the embedded default)" },
  { name: "fashion-mnist", label: "fashion-mnist — clothing, conv → BatchNorm → ReLU blocks" },
  { name: "shapes-tint", label: "shapes-tint — coloured shapes, colour is a random tint" },
  { name: "shapes-isoluminant", label: "shapes-isoluminant — coloured shapes told apart only by colour" },
] as const;

const RegisterDemoModelMutation = graphql(`
  mutation RegisterDemoModel($name: String!, $workspaceId: ID) {
    registerDemoModel(name: $name, workspaceId: $workspaceId) {
      id
    }
  }
`);

const RegisterDatasetMutation = graphql(`
  mutation RegisterDataset($input: RegisterDatasetInput!) {
    registerDataset(input: $input) {
      id
      name
    }
  }
`);

const RegisterModelMutation = graphql(`
  mutation RegisterModel($input: RegisterModelInput!) {
    registerModel(input: $input) {
      id
    }
  }
`);

export interface DatasetOption {
  id: string;
  name: string;
}

/** Which dataset a new model reads: a registered one, or (empty) none. */
function DatasetSelect({
  id,
  datasets,
  value,
  onChange,
}: {
  id: string;
  datasets: readonly DatasetOption[];
  value: string;
  onChange: (v: string) => void;
}) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">none</option>
      {datasets.map((d) => (
        <option key={d.id} value={d.id}>
          {d.name}
        </option>
      ))}
    </select>
  );
}

export interface WorkspaceOption {
  id: string;
  name: string;
}

/**
 * Adding a model or a dataset: a built-in demo, a TF.js model uploaded from this computer or on the server's
 * disk, and datasets the same ways; into one of the workspaces where the reader is an editor (chosen here when
 * there are several).
 */
export function RegisterModel({
  datasets,
  workspaces,
  defaultWorkspaceId,
}: {
  datasets: readonly DatasetOption[];
  workspaces: readonly WorkspaceOption[];
  defaultWorkspaceId?: string | null;
}) {
  const router = useRouter();
  const [workspaceId, setWorkspaceId] = useState(defaultWorkspaceId ?? workspaces[0]?.id ?? "");
  const target = workspaceId || null;
  const [demo, setDemo] = useState<string>(DEMO_MODELS[0].name);
  const [demoState, registerDemo] = useMutation(RegisterDemoModelMutation);
  const [demoError, setDemoError] = useState<string>();

  const [path, setPath] = useState("");
  const [dataset, setDataset] = useState("");
  const [uploadModelFiles, setUploadModelFiles] = useState<File[]>([]);
  const [uploadDataset, setUploadDataset] = useState("");
  const [uploadError, setUploadError] = useState<string>();
  const [uploading, setUploading] = useState(false);
  const [datasetSource, setDatasetSource] = useState<"upload" | "path">("upload");
  const [datasetFiles, setDatasetFiles] = useState<File[]>([]);
  const [datasetPath, setDatasetPath] = useState("");
  const [datasetName, setDatasetName] = useState("");
  const [datasetShape, setDatasetShape] = useState("");
  const [datasetError, setDatasetError] = useState<string>();
  const [datasetDone, setDatasetDone] = useState<string>();
  const [datasetState, registerDataset] = useMutation(RegisterDatasetMutation);
  const [name, setName] = useState("");
  const [pathError, setPathError] = useState<string>();
  const [pathState, registerPath] = useMutation(RegisterModelMutation);

  async function onDemo(event: FormEvent) {
    event.preventDefault();
    setDemoError(undefined);
    const result = await registerDemo({ name: demo, workspaceId: target });
    if (result.error) setDemoError(errorText(result.error));
    else if (result.data) router.push(`/models/${result.data.registerDemoModel.id}`);
  }

  async function onPath(event: FormEvent) {
    event.preventDefault();
    if (!path.trim()) {
      setPathError("Enter the path of a model.json on the server, or of the folder holding it.");
      return;
    }
    setPathError(undefined);
    const result = await registerPath({
      input: {
        path: path.trim(),
        dataset: dataset.trim() || null,
        name: name.trim() || null,
        workspaceId: target,
      },
    });
    if (result.error) setPathError(errorText(result.error));
    else if (result.data) router.push(`/models/${result.data.registerModel.id}`);
  }

  async function onUploadModel(event: FormEvent) {
    event.preventDefault();
    setUploadError(undefined);
    if (!uploadModelFiles.some((f) => f.name.endsWith(".json"))) {
      setUploadError("Choose model.json together with its weight files (.bin).");
      return;
    }
    setUploading(true);
    try {
      const uploadId = await uploadFiles(uploadModelFiles);
      const result = await registerPath({
        input: { uploadId, datasetId: uploadDataset || null, workspaceId: target },
      });
      if (result.error) setUploadError(errorText(result.error));
      else if (result.data) router.push(`/models/${result.data.registerModel.id}`);
    } catch (error) {
      setUploadError(error instanceof Error ? error.message : String(error));
    } finally {
      setUploading(false);
    }
  }

  async function onDataset(event: FormEvent) {
    event.preventDefault();
    setDatasetError(undefined);
    setDatasetDone(undefined);
    const shapeText = datasetShape.trim();
    let imageShape: number[] | null = null;
    if (shapeText) {
      const dims = shapeText
        .split(/[x×,\s]+/)
        .filter(Boolean)
        .map(Number);
      if (
        dims.length !== 3 ||
        dims.some((d) => !Number.isInteger(d) || d < 1) ||
        ![1, 3].includes(dims[2]!)
      ) {
        setDatasetError(
          `Image shape must be height × width × channels (channels 1 or 3), e.g. 32x32x3, not "${shapeText}".`,
        );
        return;
      }
      imageShape = dims;
    }
    let input;
    if (datasetSource === "path") {
      if (!datasetPath.trim()) {
        setDatasetError("Enter the folder on the server that holds the dataset.");
        return;
      }
      input = { path: datasetPath.trim(), name: datasetName.trim() || null, imageShape, workspaceId: target };
    } else {
      if (datasetFiles.length === 0) {
        setDatasetError("Choose the dataset's files or folder.");
        return;
      }
      try {
        setUploading(true);
        input = {
          uploadId: await uploadFiles(datasetFiles),
          name: datasetName.trim() || null,
          imageShape,
          workspaceId: target,
        };
      } catch (error) {
        setDatasetError(error instanceof Error ? error.message : String(error));
        return;
      } finally {
        setUploading(false);
      }
    }
    const result = await registerDataset({ input });
    if (result.error) setDatasetError(errorText(result.error));
    else if (result.data) {
      setDatasetDone(
        `Registered ${result.data.registerDataset.name}; compatible models are being evaluated on it.`,
      );
      router.refresh();
    }
  }

  return (
    <section aria-labelledby="register-title" className="panel">
      <h2 id="register-title">Add a model</h2>
      {workspaces.length > 1 && (
        <div className="inline-form">
          <div>
            <label htmlFor="register-workspace">Into the workspace</label>
            <select
              id="register-workspace"
              value={workspaceId}
              onChange={(e) => setWorkspaceId(e.target.value)}
            >
              {workspaces.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            </select>
          </div>
        </div>
      )}
      <div className="columns">
        <form onSubmit={onDemo} aria-labelledby="demo-title" noValidate>
          <h3 id="demo-title">Built-in demo</h3>
          <label htmlFor="demo-name">Demo model</label>
          <select id="demo-name" value={demo} onChange={(e) => setDemo(e.target.value)}>
            {DEMO_MODELS.map((d) => (
              <option key={d.name} value={d.name}>
                {d.label}
              </option>
            ))}
          </select>
          <button type="submit" disabled={demoState.fetching}>
            {demoState.fetching ? "Opening…" : "Open demo"}
          </button>
          <FormError message={demoError} />
        </form>
        <form onSubmit={onPath} aria-labelledby="path-title" noValidate>
          <h3 id="path-title">Model on the server</h3>
          <label htmlFor="model-path">model.json path (or its folder)</label>
          <input
            id="model-path"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder="/data/models/my-cnn/model.json"
            aria-invalid={pathError ? true : undefined}
            aria-describedby={pathError ? "path-error" : undefined}
          />
          <label htmlFor="model-dataset">Dataset (optional)</label>
          <input
            id="model-dataset"
            value={dataset}
            onChange={(e) => setDataset(e.target.value)}
            placeholder="mnist, or a folder of IDX files / class sub-folders"
          />
          <label htmlFor="model-name">Display name (optional)</label>
          <input id="model-name" value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit" disabled={pathState.fetching}>
            {pathState.fetching ? "Registering…" : "Register model"}
          </button>
          {pathError && (
            <p id="path-error" className="field-error" role="alert">
              {pathError}
            </p>
          )}
        </form>
        <form onSubmit={onUploadModel} aria-labelledby="upload-title" noValidate>
          <h3 id="upload-title">Upload a model</h3>
          <label htmlFor="model-files">model.json and its weight files</label>
          <input
            id="model-files"
            type="file"
            multiple
            accept=".json,.bin"
            onChange={(e) => setUploadModelFiles([...(e.target.files ?? [])])}
            aria-describedby={uploadError ? "upload-error" : undefined}
          />
          <label htmlFor="upload-dataset">Dataset</label>
          <DatasetSelect
            id="upload-dataset"
            datasets={datasets}
            value={uploadDataset}
            onChange={setUploadDataset}
          />
          <button type="submit" disabled={uploading || pathState.fetching}>
            {uploading ? "Uploading…" : "Upload and register"}
          </button>
          {uploadError && (
            <p id="upload-error" className="field-error" role="alert">
              {uploadError}
            </p>
          )}
        </form>
      </div>
      <form onSubmit={onDataset} aria-labelledby="dataset-title" noValidate className="dataset-form">
        <h3 id="dataset-title">Add a dataset</h3>
        <p className="hint">
          IDX files (MNIST style), CIFAR-10 batches, or one sub-folder of images per class. Models whose input
          and classes fit it are evaluated on its test split.
        </p>
        <div className="columns">
          <div>
            <label className="inline">
              <input
                type="radio"
                name="dataset-source"
                checked={datasetSource === "upload"}
                onChange={() => setDatasetSource("upload")}
              />{" "}
              Upload a folder from this computer
            </label>
            <label className="inline">
              <input
                type="radio"
                name="dataset-source"
                checked={datasetSource === "path"}
                onChange={() => setDatasetSource("path")}
              />{" "}
              A folder on the server
            </label>
            {datasetSource === "upload" ? (
              <>
                <label htmlFor="dataset-files">Dataset folder</label>
                <input
                  id="dataset-files"
                  type="file"
                  multiple
                  // A folder picker keeps the class sub-folders in each file's path.
                  {...{ webkitdirectory: "" }}
                  onChange={(e) => setDatasetFiles([...(e.target.files ?? [])])}
                />
              </>
            ) : (
              <>
                <label htmlFor="dataset-path">Folder on the server</label>
                <input
                  id="dataset-path"
                  value={datasetPath}
                  onChange={(e) => setDatasetPath(e.target.value)}
                  placeholder="/data/my-images"
                />
              </>
            )}
          </div>
          <div>
            <label htmlFor="dataset-name">Name (optional)</label>
            <input id="dataset-name" value={datasetName} onChange={(e) => setDatasetName(e.target.value)} />
            <label htmlFor="dataset-shape">Image shape for image folders (e.g. 28x28x1)</label>
            <input
              id="dataset-shape"
              value={datasetShape}
              onChange={(e) => setDatasetShape(e.target.value)}
            />
          </div>
        </div>
        <button type="submit" disabled={uploading || datasetState.fetching}>
          {datasetState.fetching || uploading ? "Registering…" : "Add dataset"}
        </button>
        <FormError message={datasetError} />
        {datasetDone && (
          <p className="ok" role="status">
            {datasetDone}
          </p>
        )}
      </form>
    </section>
  );
}
