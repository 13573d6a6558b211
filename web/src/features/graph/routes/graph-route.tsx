import { useParams } from 'react-router';
import { ProjectHeader } from '@/components/project-tabs';
import { Empty, ErrorState, Loading } from '@/components/states';
import { useDag } from '../api/dag';
import { DagGraph } from '../components/dag-graph';

/** `/p/:project/graph`: the experiment DAG; drag an experiment onto another to reparent it. */
export function GraphRoute() {
  const { project = '' } = useParams();
  const { data, error, isPending } = useDag({ project });
  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      {isPending ? <Loading what="Loading the graph" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && data.dag.nodes.length === 0 ? <Empty>No experiments yet.</Empty> : null}
      {data && data.dag.nodes.length > 0 ? <DagGraph project={project} dag={data.dag} /> : null}
    </section>
  );
}
