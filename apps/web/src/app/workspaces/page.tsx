import type { Metadata } from "next";
import Link from "next/link";

import { ApiFailureState } from "@/components/api-failure";
import { graphql } from "@/gql";
import { dateTime } from "@/lib/format";
import { roleLabel } from "@/lib/roles";
import { load } from "@/lib/server-client";

import { CreateWorkspace } from "./create-workspace";

export const metadata: Metadata = { title: "Workspaces" };

const WorkspacesPageQuery = graphql(`
  query WorkspacesPage {
    workspaces {
      id
      name
      role
      createdAt
      members {
        userId
      }
    }
  }
`);

export default async function WorkspacesPage() {
  const result = await load(WorkspacesPageQuery, {});
  if (!result.ok) return <ApiFailureState failure={result.failure} what="your workspaces" />;
  const { workspaces } = result.data;
  return (
    <>
      <h1>Workspaces</h1>
      <p className="lead">
        A workspace&apos;s models, datasets, analyses and runs are shared by its members. Owners invite people
        and choose their role.
      </p>
      <div className="table-wrap">
        <table aria-label="Your workspaces">
          <thead>
            <tr>
              <th scope="col">Workspace</th>
              <th scope="col">Your role</th>
              <th scope="col" className="num">
                Members
              </th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {workspaces.map((w) => (
              <tr key={w.id}>
                <td>
                  <Link href={`/workspaces/${encodeURIComponent(w.id)}`}>{w.name}</Link>
                </td>
                <td>{roleLabel(w.role)}</td>
                <td className="num">{w.members.length}</td>
                <td>{dateTime(w.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <CreateWorkspace />
    </>
  );
}
