import type { Metadata } from "next";
import Link from "next/link";

import { ApiFailureState } from "@/components/api-failure";
import { EmptyState } from "@/components/empty-state";
import { graphql } from "@/gql";
import { editableWorkspaces, readerAccess } from "@/lib/access";
import { bytes, count, percent, shape } from "@/lib/format";
import { load } from "@/lib/server-client";

import { RegisterModel } from "./register-model";

export const metadata: Metadata = { title: "Models" };

const ModelsPageQuery = graphql(`
  query ModelsPage($workspaceId: ID) {
    models(first: 500, workspaceId: $workspaceId) {
      totalCount
      nodes {
        id
        workspaceId
        name
        description
        source
        dataset
        accuracy
        params
        flops
        sizeBytes
      }
    }
    datasets(first: 500, workspaceId: $workspaceId) {
      nodes {
        id
        workspaceId
        name
        format
        sourceKind
        classes
        imageShape
        trainSize
        validationSize
        testSize
      }
    }
  }
`);

type Props = { searchParams: Promise<{ workspace?: string | string[] }> };

export default async function ModelsPage({ searchParams }: Props) {
  const { workspace } = await searchParams;
  const access = await readerAccess();
  // Only a workspace of the reader's narrows the list (a stale or foreign id shows them all).
  const current = access.workspaces.find((w) => w.id === workspace) ?? null;
  const result = await load(ModelsPageQuery, { workspaceId: current?.id ?? null });
  if (!result.ok) return <ApiFailureState failure={result.failure} what="the models" />;
  const models = result.data.models.nodes;
  const several = access.workspaces.length > 1;
  const workspaceName = (id: string | null | undefined) =>
    access.workspaces.find((w) => w.id === id)?.name ?? (id ? "another workspace" : "built-in");
  const editable = editableWorkspaces(access);
  return (
    <>
      <h1>{current ? `Models of ${current.name}` : "Models"}</h1>
      <p className="lead">
        {access.shared
          ? "What this share link shows. Open a model to see its layers and its filters' CAR scores."
          : "Networks registered with Carve. Open one to see its layers, score its filters by CAR and prune it."}
      </p>
      {several && (
        <nav aria-label="Workspaces" className="switcher">
          <Link href="/models" aria-current={current ? undefined : "page"}>
            All workspaces
          </Link>
          {access.workspaces.map((w) => (
            <Link
              key={w.id}
              href={`/models?workspace=${encodeURIComponent(w.id)}`}
              aria-current={current?.id === w.id ? "page" : undefined}
            >
              {w.name}
            </Link>
          ))}
        </nav>
      )}
      {models.length === 0 ? (
        <EmptyState title="No models yet">Register one below, or pick a built-in demo.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Registered models</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                {several && <th scope="col">Workspace</th>}
                <th scope="col">Dataset</th>
                <th scope="col" className="num">
                  Test accuracy
                </th>
                <th scope="col" className="num">
                  Parameters
                </th>
                <th scope="col" className="num">
                  FLOPs / image
                </th>
                <th scope="col" className="num">
                  Size
                </th>
              </tr>
            </thead>
            <tbody>
              {models.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link href={`/models/${m.id}`}>{m.name}</Link>
                    {m.source === "DEMO" && <span className="tag">demo</span>}
                    <div className="muted small">{m.description}</div>
                  </td>
                  {several && <td>{workspaceName(m.workspaceId)}</td>}
                  <td>{m.dataset ?? "—"}</td>
                  <td className="num">{percent(m.accuracy)}</td>
                  <td className="num">{count(m.params)}</td>
                  <td className="num">{count(m.flops)}</td>
                  <td className="num">{bytes(m.sizeBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <section aria-labelledby="datasets-title">
        <h2 id="datasets-title">Datasets</h2>
        {result.data.datasets.nodes.length === 0 ? (
          <EmptyState title="No datasets registered" />
        ) : (
          <div className="table-wrap">
            <table aria-label="Datasets">
              <thead>
                <tr>
                  <th scope="col">Dataset</th>
                  {several && <th scope="col">Workspace</th>}
                  <th scope="col">Format</th>
                  <th scope="col">Images</th>
                  <th scope="col" className="num">
                    Classes
                  </th>
                  <th scope="col" className="num">
                    Train / validation / test
                  </th>
                </tr>
              </thead>
              <tbody>
                {result.data.datasets.nodes.map((d) => (
                  <tr key={d.id}>
                    <td>
                      {d.name}
                      {d.sourceKind !== "BUILTIN" && (
                        <span className="tag">{d.sourceKind.toLowerCase()}</span>
                      )}
                    </td>
                    {several && <td>{workspaceName(d.workspaceId)}</td>}
                    <td>{d.format.toLowerCase().replace("_", " ")}</td>
                    <td>{shape(d.imageShape)}</td>
                    <td className="num">{d.classes.length}</td>
                    <td className="num">
                      {count(d.trainSize)} /{" "}
                      {d.validationSize === null || d.validationSize === undefined
                        ? "—"
                        : count(d.validationSize)}{" "}
                      / {count(d.testSize)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {editable.length > 0 ? (
        <RegisterModel
          datasets={result.data.datasets.nodes.map((d) => ({ id: d.id, name: d.name }))}
          workspaces={editable.map((w) => ({ id: w.id, name: w.name }))}
          defaultWorkspaceId={current && editable.some((w) => w.id === current.id) ? current.id : null}
        />
      ) : (
        !access.shared && (
          <p className="hint">
            You are a viewer in {several ? "your workspaces" : "this workspace"}: you read everything, and an
            owner can make you an editor to add models and start analyses and runs.
          </p>
        )
      )}
    </>
  );
}
