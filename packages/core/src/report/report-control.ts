import type { OperationControl } from "../util/operation.js";

/**
 * The control argument of the report's long operations: cancellation and progress as everywhere in Carve,
 * plus `log` for one-line milestones (a step done, a part finished). Core prints nothing; the entry point
 * sends these lines to stderr.
 */
export interface ReportControl extends OperationControl {
  log?: (line: string) => void;
}
