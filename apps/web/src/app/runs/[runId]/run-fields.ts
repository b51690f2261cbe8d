import { graphql } from "@/gql";

/** What the run page shows of a run, apart from its steps (the subscription sends those one by one). */
export const RunLiveFields = graphql(`
  fragment RunLiveFields on PruningRun {
    id
    status
    criterion
    scope
    layers
    stepSize
    seed
    resumes
    stopReason
    createdAt
    startedAt
    finishedAt
    baseAccuracy
    finalAccuracy
    target {
      keep
      removeFraction
      minAccuracy
    }
    fineTune {
      schedule
      epochs
      learningRate
    }
    error {
      code
      message
    }
    progress {
      stepsDone
      plannedSteps
      fraction
      phase
      etaSeconds
    }
    original {
      params
      flops
      selection {
        accuracy
      }
      test {
        accuracy
      }
    }
    final {
      params
      flops
      test {
        accuracy
      }
    }
    artifact {
      id
      sizeBytes
      params
      flops
      accuracy
      files {
        name
        url
        sizeBytes
      }
    }
    resultModel {
      id
      name
    }
  }
`);

/** One step of a run as the step log and the chart need it. */
export const RunStepFields = graphql(`
  fragment RunStepFields on PruningStep {
    step
    params
    flops
    elapsedSeconds
    removed {
      layer
      index
      score
      car {
        drop
        ci95Low
        ci95High
      }
    }
    selection {
      accuracy
    }
    test {
      accuracy
    }
  }
`);
