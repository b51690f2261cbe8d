import type { Command } from "../context.js";
import { backends, demo, evalCommand, info, trainDemo } from "./basic.js";
import { compare, prune } from "./prune.js";
import { score } from "./score.js";

export const COMMANDS: Readonly<Record<string, Command>> = {
  demo,
  info,
  eval: evalCommand,
  score,
  prune,
  compare,
  "train-demo": trainDemo,
  backends,
};
