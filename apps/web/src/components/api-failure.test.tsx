import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { ApiFailureState } from "./api-failure";

describe("ApiFailureState", () => {
  it("tells how to start the API when it does not answer", () => {
    render(<ApiFailureState what="the models" failure={{ kind: "unreachable", message: "fetch failed" }} />);
    expect(screen.getByRole("alert")).toHaveTextContent("The Carve API is not reachable");
    expect(screen.getByText("npm start")).toBeInTheDocument();
  });

  it("names what could not be loaded and the error code otherwise", () => {
    render(
      <ApiFailureState
        what="this model"
        failure={{ kind: "graphql", message: "query too complex", code: "QUERY_TOO_COMPLEX" }}
      />,
    );
    expect(screen.getByRole("heading")).toHaveTextContent("Could not load this model");
    expect(screen.getByText("Error code: QUERY_TOO_COMPLEX")).toBeInTheDocument();
  });
});
