import { useParams } from 'react-router';
import { ProjectHeader } from '@/components/project-tabs';
import { ErrorState, Loading } from '@/components/states';
import { useKanban } from '../api/kanban';
import { KanbanBoard } from '../components/kanban-board';

/** `/p/:project/kanban`: experiments by status; drag a card to another column to change it. */
export function KanbanRoute() {
  const { project = '' } = useParams();
  const { data, error, isPending } = useKanban({ project });
  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      {isPending ? <Loading what="Loading the board" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data ? <KanbanBoard project={project} columns={data.kanban} /> : null}
    </section>
  );
}
