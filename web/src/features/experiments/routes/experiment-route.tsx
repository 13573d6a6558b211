import { useQueryClient } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { Empty, ErrorState, Loading } from '@/components/states';
import { Badge } from '@/components/ui/badge';
import { Card, CardTitle } from '@/components/ui/card';
import { Select } from '@/components/ui/input';
import { formatMetric } from '@/lib/metric-value';
import { useProjectEvents } from '@/lib/project-events';
import { useUrlParams } from '@/lib/url-params';
import { codeTreeQueryOptions } from '../api/code';
import { experimentQueryOptions, useExperiment } from '../api/experiment';
import { fileTreeQueryOptions } from '../api/files';
import { useLiveSeries } from '../api/series';
import { CodeTree } from '../components/code-tree';
import { FeatureDiff, FeatureTree } from '../components/feature-views';
import { FileTree } from '../components/file-tree';
import { MediaGallery } from '../components/media-gallery';
import { MetricChart } from '../components/metric-chart';
import { RestoreCommand } from '../components/restore-command';

/**
 * `/p/:project/e/:number`: an experiment's features, a chart of one metric (?metric=) against
 * the parent's that grows while the run logs, its code and files against the parent with a
 * diff of one (?code=, ?file=), its media, hypothesis contributions and how to restore it.
 */
export function ExperimentRoute() {
  const { project = '', number: numberParam = '' } = useParams();
  const number = Number.parseInt(numberParam, 10);
  const { params, setParam } = useUrlParams();
  const client = useQueryClient();
  const { data, error, isPending } = useExperiment({ project, number });
  useLiveSeries(project, number);
  useProjectEvents(project, (events) => {
    // A lost event may have been about this run: re-read it then too.
    if (!events.some((event) => event.number === number || event.kind === 'missed')) return;
    void client.invalidateQueries({ queryKey: experimentQueryOptions({ project, number }).queryKey });
    void client.invalidateQueries({ queryKey: fileTreeQueryOptions({ project, number }).queryKey });
    void client.invalidateQueries({ queryKey: codeTreeQueryOptions({ project, number }).queryKey });
  });
  if (!Number.isInteger(number)) return <ErrorState error={new Error(`“${numberParam}” is not an experiment number`)} />;
  if (isPending) return <Loading what="Loading the experiment" />;
  if (error) return <ErrorState error={error} />;
  const experiment = data.experiment;
  const metric = params.get('metric') ?? experiment.measured[0]?.metric ?? '';
  const environment = data.environment;
  const projectPath = `/p/${encodeURIComponent(project)}`;
  return (
    <section className="flex flex-col gap-4">
      <div className="flex flex-wrap items-baseline gap-3">
        <h1 className="text-xl font-semibold">
          #{experiment.number} {experiment.name}
        </h1>
        <Badge>{experiment.status.toLowerCase()}</Badge>
        <Link to={`/p/${encodeURIComponent(project)}`} className="text-sm text-muted-foreground hover:underline">
          {project} overview
        </Link>
        {experiment.parent ? (
          <Link to={`/p/${encodeURIComponent(project)}/e/${experiment.parent.number}`} className="text-sm text-muted-foreground hover:underline">
            parent #{experiment.parent.number} {experiment.parent.name}
          </Link>
        ) : (
          <span className="text-sm text-muted-foreground">root experiment</span>
        )}
      </div>
      {experiment.notes ? <p className="text-sm">{experiment.notes}</p> : null}
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardTitle>Feature changes against the parent</CardTitle>
          <FeatureDiff patch={experiment.featuresDiff} />
        </Card>
        <Card>
          <CardTitle>Features</CardTitle>
          <div className="-ml-4">
            <FeatureTree value={experiment.featuresFull} />
          </div>
        </Card>
      </div>
      <Card>
        <div className="mb-2 flex items-center gap-2">
          <CardTitle className="mb-0">Metrics</CardTitle>
          {experiment.measured.length > 0 ? (
            <Select aria-label="Metric to chart" value={metric} onChange={(e) => setParam('metric', e.target.value)}>
              {experiment.measured.map((m) => (
                <option key={m.metric} value={m.metric}>
                  {m.metric}
                </option>
              ))}
            </Select>
          ) : null}
        </div>
        {experiment.measured.length === 0 ? (
          <Empty>No metrics logged yet.</Empty>
        ) : (
          <>
            <MetricChart project={project} number={number} metric={metric} parentNumber={experiment.parent?.number} />
            <table className="mt-2 text-sm">
              <thead className="text-left text-muted-foreground">
                <tr>
                  <th className="pr-4 font-medium">metric</th>
                  <th className="pr-4 font-medium">last</th>
                  <th className="pr-4 font-medium">min</th>
                  <th className="pr-4 font-medium">max</th>
                  <th className="pr-4 font-medium">points</th>
                </tr>
              </thead>
              <tbody className="tabular-nums">
                {experiment.measured.map((m) => (
                  <tr key={m.metric}>
                    <td className="pr-4">{m.metric}</td>
                    <td className="pr-4">{formatMetric(m.last)}</td>
                    <td className="pr-4">{formatMetric(m.min)}</td>
                    <td className="pr-4">{formatMetric(m.max)}</td>
                    <td className="pr-4">{m.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Card>
      <Card>
        <CardTitle>Media</CardTitle>
        <MediaGallery project={project} number={number} experimentId={experiment.id} />
      </Card>
      <Card>
        <CardTitle>Code{experiment.parent ? ` against parent #${experiment.parent.number}` : ''}</CardTitle>
        <CodeTree project={project} number={number} selected={params.get('code') ?? ''} onSelect={(path) => setParam('code', path)} />
      </Card>
      <Card>
        <CardTitle>Files{experiment.parent ? ` against parent #${experiment.parent.number}` : ''}</CardTitle>
        <FileTree project={project} number={number} selected={params.get('file') ?? ''} onSelect={(path) => setParam('file', path)} />
      </Card>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardTitle>Hypothesis contributions</CardTitle>
          {experiment.evidence.length === 0 ? (
            <Empty>This experiment enters no hypothesis's evidence.</Empty>
          ) : (
            <ul aria-label="Hypothesis contributions" className="flex flex-col gap-1 text-sm">
              {experiment.evidence.map((e, i) => (
                <li key={e.hypothesis?.id ?? i} className="flex items-baseline gap-2">
                  {e.hypothesis ? (
                    <Link to={`${projectPath}/hypotheses/${encodeURIComponent(e.hypothesis.id)}`} className="underline-offset-2 hover:underline">
                      {e.hypothesis.title}
                    </Link>
                  ) : (
                    <span className="text-muted-foreground">(removed hypothesis)</span>
                  )}
                  <span
                    className={`tabular-nums ${e.contribution > 0 ? 'text-green-700 dark:text-green-400' : e.contribution < 0 ? 'text-red-700 dark:text-red-400' : ''}`}
                  >
                    {e.contribution > 0 ? '+' : ''}
                    {e.contribution.toFixed(3)}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card>
          <CardTitle>Restore</CardTitle>
          <RestoreCommand project={project} number={experiment.number} />
          {environment ? (
            <dl data-testid="environment" className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 text-sm">
              <dt className="text-muted-foreground">interpreter</dt>
              <dd>{environment.interpreter}</dd>
              <dt className="text-muted-foreground">packages</dt>
              <dd>{environment.packages.length}</dd>
              <dt className="text-muted-foreground">platform</dt>
              <dd>{environment.platform}</dd>
            </dl>
          ) : (
            <p className="mt-3 text-sm text-muted-foreground">No environment recorded.</p>
          )}
        </Card>
      </div>
    </section>
  );
}
