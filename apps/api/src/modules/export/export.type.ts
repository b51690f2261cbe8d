import { Field, ObjectType } from "type-graphql";

@ObjectType({
  description:
    "Where to download a run as a report, relative to the API's origin. They need the same credentials as the " +
    "API (session cookie, Authorization: Bearer, or a share link as X-Carve-Share or ?share=).",
})
export class ExportUrls {
  @Field(() => String, {
    description: "A self-contained HTML report: charts and filter images inline, no external request.",
  })
  html!: string;

  @Field(() => String, { description: "The same data as JSON." })
  json!: string;

  @Field(() => String, {
    description: "CSV, one row per filter of the pruned layers: CAR, rank, when removed, label, classes.",
  })
  csv!: string;
}
