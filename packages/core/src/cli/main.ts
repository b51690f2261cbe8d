#!/usr/bin/env node
import { parseArgs } from "node:util";

import { CarveError } from "../errors.js";
import { CARVE_VERSION } from "../version.js";
import { COMMANDS } from "./commands/index.js";
import type { CommandContext } from "./context.js";

const USAGE = `carve ${CARVE_VERSION}: which filters of a CNN matter (CAR index), and pruning by it.

Usage: carve <command> [arguments] [options]

Commands:
  demo                       describe and evaluate the built-in MNIST demo model
  info MODEL                 layers, shapes, parameters, FLOPs and filter groups of a model
  eval MODEL [DATA]          accuracy, per-class accuracy, loss and confusion matrix
  score MODEL                importance of every filter: CAR with 95% interval (--classwise: per class)
  prune MODEL                greedy structural pruning; --out DIR saves the smaller model and its audit trail
  compare MODEL              several criteria on equal terms: accuracy vs filters removed (--svg FILE)
  train-demo NAME|all        retrain a built-in demo model from its recipe and save it with its model card
  backends                   which compute backends are installed and which one runs

MODEL is a model.json, its folder, or a demo name (mnist, fashion-mnist, shapes-tint, shapes-isoluminant).
DATA (or --data) is a folder (IDX files, CIFAR-10 .bin files, or one sub-folder of images per class) or a
built-in dataset (mnist, fashion-mnist, shapes-tint, shapes-isoluminant); a demo model defaults to its own.

Data:
  --data PATH|NAME           dataset (default: the demo model's)
  --split NAME               selection | train | test | validation. score/prune/compare choose filters on
                             "selection" by default: held-out training images, so test accuracy is reported
                             on data that never chose a filter; eval defaults to test
  --images N                 size of the selection split (default 2000)
  --test-split NAME          prune/compare: where accuracy is reported (default test; none to skip)
  --batch-size N             images per forward pass (default 256)

Scoring and pruning:
  --criterion NAME           car (default) | l1 | mean-activation | apoz | taylor | random
  --criteria A,B,…           compare: criteria to run (default car,l1,random)
  --layer NAME               filter group to score or prune (repeat or comma-separate; pruned in order)
  --global                   prune: all (or the --layer) groups in one ranking
  --classwise                score: class-wise CAR and each filter's most/least important classes
  --keep N | --remove-fraction F | --min-accuracy A
                             prune/compare target (per layer, or in total with --global)
  --step N                   filters removed per iteration (default 1, as in the paper)
  --protect C1,C2 --max-drop D
                             keep these classes' accuracy within D of the original (default 0.01)
  --fine-tune none|each-step|end  --epochs N --lr X
                             fine-tune on the training split (compare runs with and without)
  --seed N                   seeds the selection split, the random criterion and fine-tuning (default 0)
  --out DIR                  prune: save the model and prune-report.json; train-demo: where to write
  --svg FILE                 compare: write the chart

General:
  --backend NAME             auto | node-gpu | node | wasm | cpu (default: $CARVE_BACKEND or auto)
  --json                     machine-readable output on stdout
  --epochs N                 train-demo: override the recipe's epochs; prune: fine-tuning epochs
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
        data: { type: "string" },
        split: { type: "string" },
        images: { type: "string" },
        "test-split": { type: "string" },
        "batch-size": { type: "string" },
        criterion: { type: "string" },
        criteria: { type: "string", multiple: true },
        layer: { type: "string", multiple: true },
        global: { type: "boolean" },
        classwise: { type: "boolean" },
        keep: { type: "string" },
        "remove-fraction": { type: "string" },
        "min-accuracy": { type: "string" },
        step: { type: "string" },
        protect: { type: "string", multiple: true },
        "max-drop": { type: "string" },
        "fine-tune": { type: "string" },
        lr: { type: "string" },
        seed: { type: "string" },
        out: { type: "string" },
        svg: { type: "string" },
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
