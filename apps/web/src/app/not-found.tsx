import Link from "next/link";

export default function NotFound() {
  return (
    <section className="state state-error" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Not found</h1>
      <p>
        There is nothing at this address: the model, layer, filter, analysis or run may have been deleted, or
        the link is mistyped.
      </p>
      <p>
        <Link href="/models">Back to the models</Link>
      </p>
    </section>
  );
}
