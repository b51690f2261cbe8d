/** Operations the API tests share. */

export const ANALYSIS_FIELDS = `
  id status layers split classwise maxImages images baseAccuracy startedAt finishedAt
  progress { done total fraction phase etaSeconds }
  error { code message }
`;

export const START_ANALYSIS = `
  mutation Start($input: StartAnalysisInput!) { startAnalysis(input: $input) { ${ANALYSIS_FIELDS} } }`;

export const CANCEL_ANALYSIS = `
  mutation Cancel($id: ID!) { cancelAnalysis(id: $id) { ${ANALYSIS_FIELDS} } }`;

export const GET_ANALYSIS = `query Get($id: ID!) { analysis(id: $id) { ${ANALYSIS_FIELDS} } }`;

export const ANALYSIS_PROGRESS = `
  subscription Progress($id: ID!) { analysisProgress(id: $id) { ${ANALYSIS_FIELDS} } }`;

export interface AnalysisView {
  id: string;
  status: string;
  layers: string[];
  split: string;
  classwise: boolean;
  maxImages: number | null;
  images: number | null;
  baseAccuracy: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  progress: {
    done: number;
    total: number;
    fraction: number;
    phase: string | null;
    etaSeconds: number | null;
  };
  error: { code: string; message: string } | null;
}
