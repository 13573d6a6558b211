import { useParams, useSearchParams } from 'react-router';
import { ProjectHeader } from '@/components/project-tabs';
import { Empty, ErrorState, Loading } from '@/components/states';
import { Select } from '@/components/ui/input';
import { useKnowledgeExperiment, useKnowledgeHypothesis, useKnowledgeRuns } from '../api/knowledge';
import { KnowledgeExplorer } from '../components/knowledge-explorer';
import {
  experimentNeighbours,
  hypothesisNeighbours,
  mergeNeighbours,
  parseNodeParam,
  type KnowledgeGraph,
} from '../components/knowledge-graph';

const empty: KnowledgeGraph = { nodes: [], edges: [], expanded: [] };

/** `/p/:project/knowledge?node=experiment:6` (or `hypothesis:<id>`): the knowledge graph around one node. */
export function KnowledgeRoute() {
  const { project = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const runs = useKnowledgeRuns({ project });
  const param = params.get('node');
  const first = runs.data?.experiments.nodes[0];
  const chosen = parseNodeParam(param) ?? (first ? { kind: 'experiment' as const, number: first.number } : null);
  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      <label className="flex items-center gap-2 text-sm">
        Around
        <Select
          aria-label="Centre node"
          value={chosen?.kind === 'experiment' ? String(chosen.number) : ''}
          onChange={(e) => setParams({ node: `experiment:${e.target.value}` })}
        >
          {chosen?.kind === 'hypothesis' ? <option value="">hypothesis {chosen.id}</option> : null}
          {runs.data?.experiments.nodes.map((run) => (
            <option key={run.number} value={run.number}>
              #{run.number} {run.name}
            </option>
          ))}
        </Select>
      </label>
      {runs.error ? <ErrorState error={runs.error} /> : null}
      {param && !parseNodeParam(param) ? <ErrorState error={`No such node: ${param} (use experiment:<number> or hypothesis:<id>)`} /> : null}
      {runs.data && runs.data.experiments.nodes.length === 0 && !chosen ? <Empty>No experiments yet.</Empty> : null}
      {chosen?.kind === 'experiment' ? <AroundExperiment key={`e${chosen.number}`} project={project} number={chosen.number} /> : null}
      {chosen?.kind === 'hypothesis' ? <AroundHypothesis key={`h${chosen.id}`} project={project} id={chosen.id} /> : null}
    </section>
  );
}

function AroundExperiment({ project, number }: { project: string; number: number }) {
  const { data, error, isPending } = useKnowledgeExperiment({ project, number });
  if (isPending) return <Loading what="Loading the graph" />;
  if (error) return <ErrorState error={error} />;
  const n = experimentNeighbours(data.experiment);
  return <KnowledgeExplorer project={project} initial={mergeNeighbours(empty, n.centre, n)} />;
}

function AroundHypothesis({ project, id }: { project: string; id: string }) {
  const { data, error, isPending } = useKnowledgeHypothesis({ id });
  if (isPending) return <Loading what="Loading the graph" />;
  if (error) return <ErrorState error={error} />;
  const n = hypothesisNeighbours(data.hypothesis);
  return <KnowledgeExplorer project={project} initial={mergeNeighbours(empty, n.centre, n)} />;
}
