import { useQueryClient } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { ProjectHeader } from '@/components/project-tabs';
import { ErrorState, Loading } from '@/components/states';
import { useProjectEvents } from '@/lib/project-events';
import { kanbanQueryOptions, useKanban } from '../api/kanban';
import { KanbanBoard } from '../components/kanban-board';

/** `/p/:project/kanban`: experiments by status; drag a card to another column to change it. Live project events refresh it. */
export function KanbanRoute() {
  const { project = '' } = useParams();
  const client = useQueryClient();
  const { data, error, isPending } = useKanban({ project });
  useProjectEvents(project, (events) => {
    // New points change no card; a new run, a status or progress change does.
    if (events.some((event) => event.kind !== 'metrics_appended')) {
      void client.invalidateQueries({ queryKey: kanbanQueryOptions({ project }).queryKey });
    }
  });
  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      {isPending ? <Loading what="Loading the board" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data ? <KanbanBoard project={project} columns={data.kanban} /> : null}
    </section>
  );
}
