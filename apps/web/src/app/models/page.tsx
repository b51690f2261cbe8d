import type { Metadata } from "next";
import Link from "next/link";

import { ApiFailureState } from "@/components/api-failure";
import { EmptyState } from "@/components/empty-state";
import { graphql } from "@/gql";
import { bytes, count, percent, shape } from "@/lib/format";
import { load } from "@/lib/server-client";

import { RegisterModel } from "./register-model";

export const metadata: Metadata = { title: "Models" };

const ModelsPageQuery = graphql(`
  query ModelsPage {
    models(first: 500) {
      totalCount
      nodes {
        id
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
    datasets(first: 500) {
      nodes {
        id
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

export default async function ModelsPage() {
  const result = await load(ModelsPageQuery, {});
  if (!result.ok) return <ApiFailureState failure={result.failure} what="the models" />;
  const models = result.data.models.nodes;
  return (
    <>
      <h1>Models</h1>
      <p className="lead">
        Networks registered with Carve. Open one to see its layers, score its filters by CAR and prune it.
      </p>
      {models.length === 0 ? (
        <EmptyState title="No models yet">Register one below, or pick a built-in demo.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Registered models</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
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
      <RegisterModel datasets={result.data.datasets.nodes.map((d) => ({ id: d.id, name: d.name }))} />
    </>
  );
}
