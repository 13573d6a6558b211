import { Link, useParams } from 'react-router';
import { ProjectHeader } from '@/components/project-tabs';
import { Empty, ErrorState, Loading } from '@/components/states';
import { Card, CardTitle } from '@/components/ui/card';
import { useHypothesis } from '../api/hypotheses';
import { TimelineChart, WaterfallChart } from '../components/evidence-charts';
import { OverrideControl } from '../components/override-control';
import { formatScore, StatusBadge } from '../components/status-badge';

/** `/p/:project/hypotheses/:id`: a hypothesis, its evidence, its timeline and the override. */
export function HypothesisRoute() {
  const { project = '', id = '' } = useParams();
  const { data, error, isPending } = useHypothesis({ id });
  const base = `/p/${encodeURIComponent(project)}`;
  if (isPending) return <Loading what="Loading the hypothesis" />;
  if (error) return <ErrorState error={error} />;
  const h = data.hypothesis;
  const evidence = h.evidence;
  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      <div className="flex flex-wrap items-baseline gap-3">
        <h2 className="text-lg font-semibold">{h.title}</h2>
        <StatusBadge status={h.status} />
        {h.override ? <span className="text-xs text-muted-foreground">(overridden)</span> : null}
        <Link to={`${base}/hypotheses`} className="text-sm text-muted-foreground hover:underline">
          All hypotheses
        </Link>
      </div>
      {h.description ? <p className="whitespace-pre-wrap text-sm">{h.description}</p> : null}
      <div className="grid gap-4 lg:grid-cols-3">
        <Card>
          <CardTitle>Targets</CardTitle>
          {h.targets.length === 0 ? <Empty>No target metrics.</Empty> : null}
          <ul className="text-sm">
            {h.targets.map((t) => (
              <li key={t.metric}>
                <span className="font-mono">{t.metric}</span> × {t.weight}
                {t.direction ? <span className="text-muted-foreground"> ({t.direction.toLowerCase()})</span> : null}
              </li>
            ))}
          </ul>
        </Card>
        <Card>
          <CardTitle>Related features</CardTitle>
          {h.about.length === 0 ? <Empty>None.</Empty> : null}
          <ul className="font-mono text-sm">
            {h.about.map((path) => (
              <li key={path}>{path}</li>
            ))}
          </ul>
        </Card>
        <Card>
          <CardTitle>Linked experiments</CardTitle>
          {h.experiments.length === 0 ? <Empty>None linked yet.</Empty> : null}
          <ul className="text-sm" aria-label="Linked experiments">
            {h.experiments.map((e) => (
              <li key={e.number}>
                <Link to={`${base}/e/${e.number}`} className="hover:underline">
                  #{e.number} {e.name}
                </Link>{' '}
                <span className="text-muted-foreground">{e.status.toLowerCase()}</span>
              </li>
            ))}
          </ul>
        </Card>
      </div>
      <Card>
        <CardTitle>Evidence</CardTitle>
        {evidence ? (
          <div className="flex flex-col gap-2 text-sm">
            <p>
              Score <span className="font-mono" data-testid="evidence-score">{formatScore(evidence.score)}</span> (supported at ≥{' '}
              {evidence.inputs.supportThreshold}, refuted at ≤ −{evidence.inputs.refuteThreshold}); the evidence says{' '}
              <StatusBadge status={evidence.computedStatus} />; baseline {evidence.inputs.baseline}; {evidence.inputs.withUnits} of{' '}
              {evidence.inputs.linked} linked runs measured.
            </p>
            <p data-testid="evidence-explanation">{evidence.explanation}</p>
          </div>
        ) : (
          <Empty>The evidence has not been computed yet.</Empty>
        )}
      </Card>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardTitle>Contributions (waterfall)</CardTitle>
          <WaterfallChart contributions={evidence?.contributions ?? []} />
        </Card>
        <Card>
          <CardTitle>Score over time</CardTitle>
          <TimelineChart
            timeline={h.timeline}
            thresholds={evidence ? { support: evidence.inputs.supportThreshold, refute: evidence.inputs.refuteThreshold } : undefined}
          />
        </Card>
      </div>
      <Card>
        <CardTitle>Override</CardTitle>
        <OverrideControl hypothesis={h} />
      </Card>
    </section>
  );
}
