#!/usr/bin/env node
import { parseArgs } from "node:util";

import { CarveError } from "../errors.js";
import { CARVE_VERSION } from "../version.js";
import { COMMANDS, type CommandContext } from "./commands.js";

const USAGE = `carve ${CARVE_VERSION}: which filters of a CNN matter (CAR index), and pruning by it.

Usage: carve <command> [arguments] [options]

Commands:
  demo                       describe and evaluate the built-in MNIST demo model
  info MODEL                 layers, shapes, parameters, FLOPs and prunable filters of a model
  eval MODEL [DATA]          accuracy, per-class accuracy, loss and confusion matrix
  train-demo NAME|all        retrain a built-in demo model from its recipe and save it with its model card
  backends                   which compute backends are installed and which one runs

MODEL is a model.json, its folder, or a demo name (mnist, fashion-mnist, shapes-tint, shapes-isoluminant).
DATA is a folder (IDX files, CIFAR-10 .bin files, or one sub-folder of images per class) or a built-in
dataset (mnist, fashion-mnist, shapes-tint, shapes-isoluminant); for a demo model it defaults to its own.

Options:
  --split NAME               train | test | validation (default test)
  --batch-size N             images per forward pass (default 256)
  --out DIR                  train-demo: where to write (default: the shipped demo folder)
  --epochs N                 train-demo: override the recipe's epochs
  --backend NAME             auto | node-gpu | node | wasm | cpu (default: $CARVE_BACKEND or auto)
  --json                     machine-readable output on stdout
  -h, --help                 this help
  -v, --version              print the version

Exit codes: 0 success, 1 unexpected failure, 2 bad input or usage, 130 cancelled (Ctrl-C).`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        split: { type: "string" },
        "batch-size": { type: "string" },
        out: { type: "string" },
        epochs: { type: "string" },
        backend: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
        version: { type: "boolean", short: "v", default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`carve: ${(error as Error).message}\nRun "carve --help" for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${CARVE_VERSION}\n`);
    return 0;
  }
  const [name, ...args] = positionals;
  if (values.help || name === undefined || name === "help") {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(
      `carve: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")})\n`,
    );
    return 2;
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error("interrupted"));
  process.once("SIGINT", onSigint);
  const context: CommandContext = {
    args,
    options: values,
    json: values.json,
    signal: controller.signal,
    backendRequest: values.backend ?? process.env.CARVE_BACKEND,
    out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  };
  try {
    await command.run(context);
    return 0;
  } catch (error) {
    if (error instanceof CarveError) {
      if (error.code === "ABORTED") {
        process.stderr.write(`\ncarve: ${error.message}\n`);
        return 130;
      }
      process.stderr.write(`carve ${name}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`carve ${name}: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

process.exitCode = await main(process.argv.slice(2));
