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

/** What a table row is compared against besides its parent. */
export type Baseline =
  /** The project's best experiment by that metric (the runner-up, for the best itself). */
  | 'BEST'
  /** The root of the experiment's primary chain. */
  | 'ROOT';

/**
 * A named capture policy: which files an experiment keeps and how large they may be.
 * `*` stays within a path segment, `**` crosses segments.
 */
export type CapturePolicyInput = {
  exclude: Array<string>;
  include: Array<string>;
  maxExperimentBytes: number;
  /** Bytes (up to 2^53). */
  maxFileBytes: number;
  name: string;
};

/** Whether a diff line is shared, only on the left (removed) or only on the right (added). */
export type DiffLineKindGql =
  | 'ADDED'
  | 'CONTEXT'
  | 'REMOVED';

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

/** How a path of an experiment compares with the other experiment's. */
export type FileStatusGql =
  | 'ADDED'
  | 'DELETED'
  | 'MODIFIED'
  | 'UNCHANGED';

/** What the evidence says about a hypothesis, or what an override says it is. */
export type HypothesisStatus =
  /** Every linked run is done and the evidence decides neither way. */
  | 'INCONCLUSIVE'
  /** Stated, no evidence yet. */
  | 'PROPOSED'
  /** The evidence refutes it. */
  | 'REFUTED'
  /** The evidence supports it. */
  | 'SUPPORTED'
  /** Linked runs are still running. */
  | 'TESTING';

/** A key metric of a project. */
export type MetricConfigInput = {
  aggregation: Aggregation;
  direction: Direction;
  /**
   * For a derived metric: an expression over other metrics of the same experiment, e.g.
   * `1 - accuracy` (numbers, metric names, + - * /, min, max, abs, log, exp, sqrt). Null for
   * a logged scalar.
   */
  expression?: string | null | undefined;
  name: string;
};

/** A role on a project. */
export type Role =
  /** Also manages settings and members. */
  | 'ADMIN'
  /** Also creates and edits experiments, hypotheses and artifacts. */
  | 'RESEARCHER'
  /** Reads. */
  | 'VIEWER';

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

/** A project's description and settings; omitted fields keep their value (or default). */
export type UpdateProjectInput = {
  description?: string | null | undefined;
  /**
   * Environment variables an environment record keeps: names, or prefixes ending in `*`
   * (e.g. `CUDA_*`); replaces the list. Names that look secret (KEY, TOKEN, SECRET, …) are
   * dropped even when listed. The default keeps device, thread, seed and distributed-run
   * settings (`CUDA_*`, `OMP_NUM_THREADS`, `PYTHONHASHSEED`, `TORCH_*`, …).
   */
  environmentVariables?: Array<string> | null | undefined;
  /**
   * E_hypothesis at or below minus this refutes a hypothesis: a finite number above 0
   * (default 3). Changing it recomputes the project's hypotheses.
   */
  evidenceRefuteThreshold?: number | null | undefined;
  /**
   * E_hypothesis at or above this supports a hypothesis: a finite number above 0 (default
   * 3). Changing it recomputes the project's hypotheses.
   */
  evidenceSupportThreshold?: number | null | undefined;
  /** Feature paths whose changes are stored but not treated as changes (e.g. `seed`). */
  ignoredFeaturePaths?: Array<string> | null | undefined;
  /** A name naming a missing parent creates a root instead of being refused (default false). */
  missingParentMakesRoot?: boolean | null | undefined;
  /**
   * Regex for experiment names with optional groups `number` and `parent`;
   * the default accepts `12_from_8_lr_sweep` and any other name.
   */
  namingPattern?: string | null | undefined;
  /** Read the parent from the name's `parent` group (default true). */
  parentFromName?: boolean | null | undefined;
};

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

export type CompareRunsQueryVariables = Exact<{
  project: string;
}>;


export type CompareRunsQuery = { experiments: { nodes: Array<{ number: number, name: string }> }, metricsTable: { metrics: Array<{ name: string, direction: Direction }> } };

export type CompareExperimentQueryVariables = Exact<{
  project: string;
  number: number;
}>;


export type CompareExperimentQuery = { experiment: { number: number, name: string, featuresFull: unknown } };

export type CompareMetricQueryVariables = Exact<{
  project: string;
  metric: string;
  numbers: Array<number> | number;
}>;


export type CompareMetricQuery = { compareMetric: Array<{ number: number, value: number | 'NaN' | 'Infinity' | '-Infinity' }> };

export type ParetoFrontQueryVariables = Exact<{
  project: string;
  metrics: Array<string> | string;
}>;


export type ParetoFrontQuery = { paretoFront: Array<{ number: number, name: string, values: Array<number | 'NaN' | 'Infinity' | '-Infinity'> }> };

export type CodeTreeQueryVariables = Exact<{
  project: string;
  number: number;
  against?: number | null | undefined;
}>;


export type CodeTreeQuery = { codeSnapshot: { format: string, fileCount: number, commit: string | null } | null, codeTree: { against: number | null, entries: Array<{ path: string, status: FileStatusGql }> } };

export type CodeDiffQueryVariables = Exact<{
  project: string;
  left: number;
  right: number;
  path: string;
}>;


export type CodeDiffQuery = { codeDiff: { path: string, text: boolean, reason: string | null, added: number, removed: number, truncated: boolean, hunks: Array<{ oldStart: number, oldLines: number, newStart: number, newLines: number, lines: Array<{ kind: DiffLineKindGql, oldNumber: number | null, newNumber: number | null, segments: Array<{ text: string, changed: boolean }> }> }> } };

export type ExperimentQueryVariables = Exact<{
  project: string;
  number: number;
}>;


export type ExperimentQuery = { experiment: { id: string, number: number, name: string, status: Status, progress: number, notes: string, tags: Array<string>, featuresDiff: unknown, featuresFull: unknown, parent: { number: number, name: string } | null, measured: Array<{ metric: string, last: number | 'NaN' | 'Infinity' | '-Infinity', lastStep: number, min: number | 'NaN' | 'Infinity' | '-Infinity', max: number | 'NaN' | 'Infinity' | '-Infinity', count: number }>, evidence: Array<{ score: number, contribution: number, hypothesis: { id: string, title: string } | null }> }, environment: { interpreter: string, platform: string, packages: Array<{ name: string }> } | null };

export type FileTreeQueryVariables = Exact<{
  project: string;
  number: number;
  against?: number | null | undefined;
}>;


export type FileTreeQuery = { files: { against: number | null, entries: Array<{ path: string, status: FileStatusGql, current: { size: number, text: boolean, mime: string } | null, other: { size: number, text: boolean, mime: string } | null }> } };

export type DiffHunkFieldsFragment = { oldStart: number, oldLines: number, newStart: number, newLines: number, lines: Array<{ kind: DiffLineKindGql, oldNumber: number | null, newNumber: number | null, segments: Array<{ text: string, changed: boolean }> }> };

export type FileDiffQueryVariables = Exact<{
  project: string;
  left: number;
  right: number;
  path: string;
}>;


export type FileDiffQuery = { fileDiff: { path: string, binary: boolean, added: number, removed: number, truncated: boolean, left: { hash: string, size: number, mime: string } | null, right: { hash: string, size: number, mime: string } | null, hunks: Array<{ oldStart: number, oldLines: number, newStart: number, newLines: number, lines: Array<{ kind: DiffLineKindGql, oldNumber: number | null, newNumber: number | null, segments: Array<{ text: string, changed: boolean }> }> }> } };

export type SeriesQueryVariables = Exact<{
  project: string;
  number: number;
  metric: string;
  maxPoints?: number;
}>;


export type SeriesQuery = { series: { metric: string, steps: Array<number>, values: Array<number | 'NaN' | 'Infinity' | '-Infinity'>, tailSteps: Array<number>, tailValues: Array<number | 'NaN' | 'Infinity' | '-Infinity'> } };

export type MetricPointsSubscriptionVariables = Exact<{
  project: string;
  number: number;
}>;


export type MetricPointsSubscription = { metricPoints: { chunkSequence: number, points: Array<{ metric: string, step: number, value: number | 'NaN' | 'Infinity' | '-Infinity' }> } };

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

export type HypothesesQueryVariables = Exact<{
  project: string;
  first?: number | null | undefined;
}>;


export type HypothesesQuery = { hypotheses: { nodes: Array<{ id: string, title: string, status: HypothesisStatus, evidenceScore: number | null, experiments: Array<{ number: number }> }> } };

export type HypothesisQueryVariables = Exact<{
  id: string | number;
}>;


export type HypothesisQuery = { hypothesis: { id: string, title: string, description: string, status: HypothesisStatus, computedStatus: HypothesisStatus, evidenceScore: number | null, computedAt: string | null, about: Array<string>, override: { status: HypothesisStatus, reason: string, at: string, author: { displayName: string } | null } | null, targets: Array<{ metric: string, weight: number, direction: Direction | null }>, experiments: Array<{ number: number, name: string, status: Status }>, evidence: { score: number, computedStatus: HypothesisStatus, effectiveStatus: HypothesisStatus, overridden: boolean, explanation: string, computedAt: string, inputs: { linked: number, withUnits: number, supportThreshold: number, refuteThreshold: number, baseline: string }, contributions: Array<{ experiment: number, score: number, confidence: number, contribution: number }> } | null, timeline: Array<{ at: string, score: number, status: HypothesisStatus }> } };

export type OverrideHypothesisStatusMutationVariables = Exact<{
  id: string | number;
  status: HypothesisStatus;
  reason: string;
}>;


export type OverrideHypothesisStatusMutation = { overrideHypothesisStatus: { id: string, status: HypothesisStatus } };

export type ClearHypothesisOverrideMutationVariables = Exact<{
  id: string | number;
}>;


export type ClearHypothesisOverrideMutation = { clearHypothesisOverride: { id: string, status: HypothesisStatus } };

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

export type KnowledgeExperimentQueryVariables = Exact<{
  project: string;
  number: number;
}>;


export type KnowledgeExperimentQuery = { experiment: { number: number, name: string, featuresDiff: unknown, parents: Array<{ number: number, name: string }>, children: Array<{ number: number, name: string }>, evidence: Array<{ hypothesis: { id: string, title: string } | null }>, measured: Array<{ metric: string }> } };

export type KnowledgeHypothesisQueryVariables = Exact<{
  id: string | number;
}>;


export type KnowledgeHypothesisQuery = { hypothesis: { id: string, title: string, about: Array<string>, experiments: Array<{ number: number, name: string }>, targets: Array<{ metric: string }> } };

export type KnowledgeRunsQueryVariables = Exact<{
  project: string;
}>;


export type KnowledgeRunsQuery = { experiments: { nodes: Array<{ number: number, name: string }> } };

export type MetricColumnsQueryVariables = Exact<{
  project: string;
}>;


export type MetricColumnsQuery = { metricConfigs: Array<{ name: string }>, metricsTable: { metrics: Array<{ name: string }> } };

export type ExperimentFeaturesQueryVariables = Exact<{
  project: string;
  after?: string | null | undefined;
}>;


export type ExperimentFeaturesQuery = { experiments: { pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Array<{ number: number, featuresFull: unknown }> } };

export type MetricsTableQueryVariables = Exact<{
  project: string;
  metrics?: Array<string> | string | null | undefined;
  status?: Status | null | undefined;
  nameContains?: string | null | undefined;
  baseline?: Baseline;
  sortBy?: string | null | undefined;
  first?: number;
  offset?: number;
}>;


export type MetricsTableQuery = { metricsTable: { total: number, metrics: Array<{ name: string, direction: Direction, aggregation: Aggregation, derived: boolean }>, rows: Array<{ number: number, name: string, status: Status, parentNumber: number | null, cells: Array<{ value: number | 'NaN' | 'Infinity' | '-Infinity', deltaParent: number | 'NaN' | 'Infinity' | '-Infinity', deltaBaseline: number | 'NaN' | 'Infinity' | '-Infinity', improvedParent: boolean | null, improvedBaseline: boolean | null, missing: boolean }> }> } };

export type ProjectsQueryVariables = Exact<{ [key: string]: never; }>;


export type ProjectsQuery = { projects: Array<{ name: string, description: string }> };

export type SearchQueryVariables = Exact<{
  query: string;
  project?: string | null | undefined;
  kinds?: Array<SearchKind> | SearchKind | null | undefined;
  first?: number | null | undefined;
}>;


export type SearchQuery = { search: { total: number, hits: Array<{ kind: SearchKind, id: string, project: string, number: number | null, title: string, score: number, snippets: Array<{ field: string, html: string }> }> } };

export type CapturePoliciesQueryVariables = Exact<{
  project: string;
}>;


export type CapturePoliciesQuery = { capturePolicies: Array<{ name: string, include: Array<string>, exclude: Array<string>, maxFileBytes: number, maxExperimentBytes: number }> };

export type SetCapturePolicyMutationVariables = Exact<{
  project: string;
  policy: CapturePolicyInput;
}>;


export type SetCapturePolicyMutation = { setCapturePolicy: { name: string } };

export type RemoveCapturePolicyMutationVariables = Exact<{
  project: string;
  name: string;
}>;


export type RemoveCapturePolicyMutation = { removeCapturePolicy: boolean };

export type ProjectMembersQueryVariables = Exact<{
  project: string;
}>;


export type ProjectMembersQuery = { projectMembers: Array<{ role: Role, overrideRole: Role | null, person: { id: string, displayName: string }, teams: Array<{ team: string, role: Role }> }> };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { id: string, siteAdmin: boolean } };

export type UsersQueryVariables = Exact<{ [key: string]: never; }>;


export type UsersQuery = { users: Array<{ id: string, email: string, displayName: string, disabled: boolean }> };

export type SetProjectRoleMutationVariables = Exact<{
  project: string;
  userId: string | number;
  role?: Role | null | undefined;
}>;


export type SetProjectRoleMutation = { setProjectRole: boolean };

export type MetricConfigsQueryVariables = Exact<{
  project: string;
}>;


export type MetricConfigsQuery = { metricConfigs: Array<{ name: string, direction: Direction, aggregation: Aggregation, expression: string | null }> };

export type SetMetricConfigMutationVariables = Exact<{
  project: string;
  config: MetricConfigInput;
}>;


export type SetMetricConfigMutation = { setMetricConfig: { name: string } };

export type RemoveMetricConfigMutationVariables = Exact<{
  project: string;
  name: string;
}>;


export type RemoveMetricConfigMutation = { removeMetricConfig: boolean };

export type ProjectSettingsFieldsFragment = { name: string, description: string, namingPattern: string, parentFromName: boolean, missingParentMakesRoot: boolean, ignoredFeaturePaths: Array<string>, environmentVariables: Array<string>, evidenceSupportThreshold: number, evidenceRefuteThreshold: number };

export type ProjectSettingsQueryVariables = Exact<{
  project: string;
}>;


export type ProjectSettingsQuery = { project: { name: string, description: string, namingPattern: string, parentFromName: boolean, missingParentMakesRoot: boolean, ignoredFeaturePaths: Array<string>, environmentVariables: Array<string>, evidenceSupportThreshold: number, evidenceRefuteThreshold: number } };

export type UpdateProjectMutationVariables = Exact<{
  name: string;
  input: UpdateProjectInput;
}>;


export type UpdateProjectMutation = { updateProject: { name: string, description: string, namingPattern: string, parentFromName: boolean, missingParentMakesRoot: boolean, ignoredFeaturePaths: Array<string>, environmentVariables: Array<string>, evidenceSupportThreshold: number, evidenceRefuteThreshold: number } };

export type ProjectEventsSubscriptionVariables = Exact<{
  project: string;
}>;


export type ProjectEventsSubscription = { projectEvents: { kind: string, number: number | null, lastStep: number | null, metrics: Array<string> | null } };

export type MyRoleQueryVariables = Exact<{
  project: string;
}>;


export type MyRoleQuery = { project: { myRole: Role | null } };
