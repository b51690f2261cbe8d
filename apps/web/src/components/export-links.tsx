/** "Download report (HTML) / JSON / CSV" for a run or a comparison, through the dashboard's /exports proxy. */
export function ExportLinks({ urls }: { urls: { html: string; json: string; csv: string } }) {
  return (
    <p className="export-links">
      <a className="button secondary" href={urls.html} download>
        Download report (HTML)
      </a>{" "}
      <a className="button secondary" href={urls.json} download>
        JSON
      </a>{" "}
      <a className="button secondary" href={urls.csv} download>
        CSV
      </a>
    </p>
  );
}

/** The API's comparison exports for runs in this order (the paths its PruningRun.exportUrls documents). */
export function comparisonExportUrls(runIds: readonly string[]): { html: string; json: string; csv: string } {
  const runs = runIds.map(encodeURIComponent).join(",");
  return {
    html: `/exports/comparison.html?runs=${runs}`,
    json: `/exports/comparison.json?runs=${runs}`,
    csv: `/exports/comparison.csv?runs=${runs}`,
  };
}
