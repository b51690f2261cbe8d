/**
 * The event bus: how the job side tells subscribers that something changed. The interface is small on
 * purpose so that a Redis-backed bus (several API machines) can replace the in-process one.
 */
import { EventEmitter } from "node:events";

import type { PubSub } from "type-graphql";

import type { Topic, TopicPayloads } from "./topics.js";

export interface EventBus {
  /** Delivers `payload` to every current subscriber of `topic`/`id`. Never throws for a slow subscriber. */
  publish<T extends Topic>(topic: T, id: string, payload: TopicPayloads[T]): void;
  /**
   * The events of `topic`/`id` from now on, buffered until read. Ending the iteration (`return()`, a `break`)
   * unsubscribes.
   */
  subscribe<T extends Topic>(topic: T, id: string): AsyncIterableIterator<TopicPayloads[T]>;
  close(): Promise<void>;
}

/** An unbounded queue turned into an async iterator; `end()` finishes it once the queue is drained. */
class EventQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;

  constructor(private readonly onReturn: () => void) {}

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
    } else {
      this.items.push(item);
    }
  }

  end(): void {
    this.ended = true;
    if (this.waiting && this.items.length === 0) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0;
    this.end();
    this.onReturn();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/**
 * The embedded default: an EventEmitter in this process. Events are small (one row) and a subscription ends at
 * the analysis's final status, so an unbounded per-subscriber buffer cannot grow without limit.
 */
export class InProcessEventBus implements EventBus {
  private readonly emitter = new EventEmitter();
  private readonly open = new Set<EventQueue<unknown>>();

  constructor() {
    // One listener per open subscription; many dashboards may watch the same analysis.
    this.emitter.setMaxListeners(0);
  }

  publish<T extends Topic>(topic: T, id: string, payload: TopicPayloads[T]): void {
    this.emitter.emit(`${topic}:${id}`, payload);
  }

  subscribe<T extends Topic>(topic: T, id: string): AsyncIterableIterator<TopicPayloads[T]> {
    const key = `${topic}:${id}`;
    const listener = (payload: TopicPayloads[T]) => queue.push(payload);
    const queue: EventQueue<TopicPayloads[T]> = new EventQueue(() => {
      this.emitter.off(key, listener);
      this.open.delete(queue as EventQueue<unknown>);
    });
    this.emitter.on(key, listener);
    this.open.add(queue as EventQueue<unknown>);
    return queue;
  }

  async close(): Promise<void> {
    for (const queue of [...this.open]) await queue.return();
  }
}

/**
 * type-graphql insists on a PubSub when a schema has subscriptions, even if every subscription brings its own
 * `subscribe` function (ours do); this adapter hands it the bus.
 */
export function typeGraphqlPubSub(bus: EventBus): PubSub {
  return {
    publish: (routingKey, id, payload) => bus.publish(routingKey as Topic, String(id), payload as never),
    subscribe: (routingKey, id) => bus.subscribe(routingKey as Topic, String(id)),
  };
}
