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
