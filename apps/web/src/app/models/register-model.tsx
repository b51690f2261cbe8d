"use client";

import { useMutation } from "@urql/next";
import { useRouter } from "next/navigation";
import { type FormEvent, useState } from "react";

import { graphql } from "@/gql";
import { errorText } from "@/lib/api-error";

/** The demo models shipped with Carve (packages/core/models), as `registerDemoModel` names them. */
export const DEMO_MODELS = [
  { name: "mnist", label: "mnist — handwritten digits (the embedded default)" },
  { name: "fashion-mnist", label: "fashion-mnist — clothing, conv → BatchNorm → ReLU blocks" },
  { name: "shapes-tint", label: "shapes-tint — coloured shapes, colour is a random tint" },
  { name: "shapes-isoluminant", label: "shapes-isoluminant — coloured shapes told apart only by colour" },
] as const;

const RegisterDemoModelMutation = graphql(`
  mutation RegisterDemoModel($name: String!) {
    registerDemoModel(name: $name) {
      id
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

/** Registering a model: a built-in demo, or a TF.js model.json on the server's disk. */
export function RegisterModel() {
  const router = useRouter();
  const [demo, setDemo] = useState<string>(DEMO_MODELS[0].name);
  const [demoState, registerDemo] = useMutation(RegisterDemoModelMutation);
  const [demoError, setDemoError] = useState<string>();

  const [path, setPath] = useState("");
  const [dataset, setDataset] = useState("");
  const [name, setName] = useState("");
  const [pathError, setPathError] = useState<string>();
  const [pathState, registerPath] = useMutation(RegisterModelMutation);

  async function onDemo(event: FormEvent) {
    event.preventDefault();
    setDemoError(undefined);
    const result = await registerDemo({ name: demo });
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
      input: { path: path.trim(), dataset: dataset.trim() || null, name: name.trim() || null },
    });
    if (result.error) setPathError(errorText(result.error));
    else if (result.data) router.push(`/models/${result.data.registerModel.id}`);
  }

  return (
    <section aria-labelledby="register-title" className="panel">
      <h2 id="register-title">Add a model</h2>
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
          {demoError && (
            <p className="field-error" role="alert">
              {demoError}
            </p>
          )}
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
      </div>
    </section>
  );
}
