/**
 * A subscription's events for as long as its caller may still read what it watches. Access is decided when
 * the subscription starts (a bad id fails at once) and again before every later event, with nothing cached:
 * a member removed from the workspace, a signed-out session, a revoked API token or share link, or a deleted
 * workspace stop receiving at the next event. The subscription then ends with the error a new request would
 * get (NOT_FOUND, UNAUTHENTICATED), and the source is released.
 *
 * Checking per event rather than on a timer costs nothing while nothing happens, and the sources are throttled
 * (a run's progress at most once a second, plus its steps).
 */
export async function* whileAllowed<T>(
  events: AsyncIterable<T>,
  allowed: () => Promise<unknown>,
): AsyncGenerator<T, void, undefined> {
  let first = true;
  // `for await` returns the source when the loop ends early, by a throw here or the client unsubscribing.
  for await (const event of events) {
    if (!first) await allowed();
    first = false;
    yield event;
  }
}
