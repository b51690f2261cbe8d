import { describe, expect, it } from "vitest";

import { isApiError } from "../../errors.js";
import { MAX_PAGE_SIZE, connection, decodeCursor, encodeCursor, pageWindow } from "./connection.js";

describe("connections", () => {
  it("starts the next page after the item an endCursor names", () => {
    const page = connection(["a", "b"], 0, 5);
    expect(page.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(pageWindow({ first: 2, after: page.pageInfo.endCursor })).toEqual({ limit: 2, offset: 2 });
  });

  it("says there is no next page at the end of the list, and has null cursors when empty", () => {
    expect(connection(["d", "e"], 3, 5).pageInfo).toMatchObject({
      hasNextPage: false,
      hasPreviousPage: true,
    });
    expect(connection([], 0, 0).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: null,
      endCursor: null,
    });
  });

  it("round-trips a cursor and rejects one it did not make with INVALID_ARGUMENT", () => {
    expect(decodeCursor(encodeCursor(41))).toBe(41);
    let error: unknown;
    try {
      decodeCursor("not-a-cursor");
    } catch (e) {
      error = e;
    }
    expect(isApiError(error, "INVALID_ARGUMENT")).toBe(true);
  });

  it("bounds the page size", () => {
    expect(pageWindow({})).toEqual({ limit: 50, offset: 0 });
    expect(() => pageWindow({ first: MAX_PAGE_SIZE + 1 })).toThrow(/first must be between 0 and 500/);
    expect(() => pageWindow({ first: -1 })).toThrow(/got -1/);
  });
});
