/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** How one experiment's series becomes one number in tables and comparisons. */
export type Aggregation =
  /** The mean of the finite values. */
  | 'AVERAGE'
  /** The best value, by direction. */
  | 'BEST'
  /** The value at the last step. */
  | 'LAST';

/** Whether lower or higher is better. */
export type Direction =
  | 'MAXIMIZE'
  | 'MINIMIZE';

/** The kind of a parent edge. */
export type EdgeKind =
  /** The primary parent: feature diffs are relative to it. */
  | 'CHILD_OF'
  /** A further parent of a merge. */
  | 'MERGED_FROM';

/** What a search hit is. */
export type SearchKind =
  | 'ARTIFACT'
  | 'EXPERIMENT'
  | 'FEATURE'
  | 'HYPOTHESIS'
  | 'METRIC';

/** Where an experiment is in its life. */
export type Status =
  /** Finished successfully. */
  | 'COMPLETE'
  /** Finished with an error. */
  | 'FAILED'
  /** Created, not started. */
  | 'PLANNED'
  /** Running. */
  | 'RUNNING';

export type AskQueryVariables = Exact<{
  project: string;
  question: string;
}>;


export type AskQuery = { ask: { answered: boolean, sentence: string, columns: Array<string>, rows: unknown, suggestions: Array<string>, interpretation: { intent: string, description: string, notes: Array<string> }, cypher: Array<{ name: string, text: string, parameters: unknown, rows: number }> } };

export type LoginMutationVariables = Exact<{
  email: string;
  password: string;
}>;


export type LoginMutation = { login: { accessToken: string, refreshToken: string, user: { id: string, email: string } } };

export type ExperimentQueryVariables = Exact<{
  project: string;
  number: number;
}>;


export type ExperimentQuery = { experiment: { id: string, number: number, name: string, status: Status, progress: number, notes: string, tags: Array<string>, featuresDiff: unknown, featuresFull: unknown, parent: { number: number, name: string } | null, measured: Array<{ metric: string, last: number | 'NaN' | 'Infinity' | '-Infinity', lastStep: number, min: number | 'NaN' | 'Infinity' | '-Infinity', max: number | 'NaN' | 'Infinity' | '-Infinity', count: number }> } };

export type SeriesQueryVariables = Exact<{
  project: string;
  number: number;
  metric: string;
  maxPoints?: number;
}>;


export type SeriesQuery = { series: { metric: string, steps: Array<number>, values: Array<number | 'NaN' | 'Infinity' | '-Infinity'>, tailSteps: Array<number>, tailValues: Array<number | 'NaN' | 'Infinity' | '-Infinity'> } };

export type DagQueryVariables = Exact<{
  project: string;
}>;


export type DagQuery = { dag: { nodes: Array<{ number: number, name: string, status: Status, progress: number }>, edges: Array<{ from: number, to: number, kind: EdgeKind }> } };

export type ReparentExperimentMutationVariables = Exact<{
  project: string;
  number: number;
  parentNumber?: number | null | undefined;
}>;


export type ReparentExperimentMutation = { reparentExperiment: { number: number, parent: { number: number } | null } };

export type KanbanQueryVariables = Exact<{
  project: string;
}>;


export type KanbanQuery = { kanban: Array<{ status: Status, experiments: Array<{ number: number, name: string, progress: number }> }> };

export type SetExperimentStatusMutationVariables = Exact<{
  project: string;
  number: number;
  status: Status;
}>;


export type SetExperimentStatusMutation = { updateExperiment: { number: number, status: Status } };

export type MetricsTableQueryVariables = Exact<{
  project: string;
  metrics?: Array<string> | string | null | undefined;
  status?: Status | null | undefined;
  nameContains?: string | null | undefined;
  sortBy?: string | null | undefined;
  first?: number;
  offset?: number;
}>;


export type MetricsTableQuery = { metricsTable: { total: number, metrics: Array<{ name: string, direction: Direction, aggregation: Aggregation, derived: boolean }>, rows: Array<{ number: number, name: string, status: Status, parentNumber: number | null, cells: Array<{ value: number | 'NaN' | 'Infinity' | '-Infinity', deltaParent: number | 'NaN' | 'Infinity' | '-Infinity', improvedParent: boolean | null, missing: boolean }> }> } };

export type ProjectsQueryVariables = Exact<{ [key: string]: never; }>;


export type ProjectsQuery = { projects: Array<{ name: string, description: string }> };

export type SearchQueryVariables = Exact<{
  query: string;
  project?: string | null | undefined;
  kinds?: Array<SearchKind> | SearchKind | null | undefined;
  first?: number | null | undefined;
}>;


export type SearchQuery = { search: { total: number, hits: Array<{ kind: SearchKind, id: string, project: string, number: number | null, title: string, score: number, snippets: Array<{ field: string, html: string }> }> } };
