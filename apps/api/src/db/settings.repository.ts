/** SQL for small facts about the database itself, e.g. whether the demo models were seeded. */
import { eq } from "drizzle-orm";

import type { Db } from "./database.js";
import { settings } from "./tables.js";

export class SettingsRepository {
  constructor(private readonly db: Db) {}

  get(key: string): string | undefined {
    return this.db.select().from(settings).where(eq(settings.key, key)).get()?.value;
  }

  set(key: string, value: string): void {
    this.db
      .insert(settings)
      .values({ key, value })
      .onConflictDoUpdate({ target: settings.key, set: { value } })
      .run();
  }
}
