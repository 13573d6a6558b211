import { Link, useParams } from 'react-router';
import { ProjectHeader } from '@/components/project-tabs';
import { Empty, ErrorState, Loading } from '@/components/states';
import { useHypotheses } from '../api/hypotheses';
import { formatScore, StatusBadge } from '../components/status-badge';

/** `/p/:project/hypotheses`: the project's hypotheses with their status, score and runs. */
export function HypothesesRoute() {
  const { project = '' } = useParams();
  const { data, error, isPending } = useHypotheses({ project, first: 1000 });
  const base = `/p/${encodeURIComponent(project)}/hypotheses`;
  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      {isPending ? <Loading what="Loading the hypotheses" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && data.hypotheses.nodes.length === 0 ? <Empty>No hypotheses in this project yet.</Empty> : null}
      {data && data.hypotheses.nodes.length > 0 ? (
        <table className="w-full text-sm" aria-label="Hypotheses">
          <thead className="text-left text-muted-foreground">
            <tr className="border-b border-border">
              <th className="py-2 pr-4 font-medium">Title</th>
              <th className="py-2 pr-4 font-medium">Status</th>
              <th className="py-2 pr-4 text-right font-medium">Evidence score</th>
              <th className="py-2 text-right font-medium">Linked runs</th>
            </tr>
          </thead>
          <tbody>
            {data.hypotheses.nodes.map((h) => (
              <tr key={h.id} className="border-b border-border" data-testid="hypothesis-row">
                <td className="py-2 pr-4">
                  <Link to={`${base}/${encodeURIComponent(h.id)}`} className="underline-offset-2 hover:underline">
                    {h.title}
                  </Link>
                </td>
                <td className="py-2 pr-4">
                  <StatusBadge status={h.status} />
                </td>
                <td className="py-2 pr-4 text-right font-mono">{formatScore(h.evidenceScore)}</td>
                <td className="py-2 text-right font-mono">{h.experiments.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
