import { memo, useState, type DragEvent } from 'react';
import { Link } from 'react-router';
import { ErrorState } from '@/components/states';
import { Select } from '@/components/ui/input';
import type { Status } from '@/lib/generated/graphql';
import { cn } from '@/lib/utils';
import { useSetExperimentStatus, type KanbanColumns } from '../api/kanban';
import { COLUMN_ORDER, columnTitle, toColumns } from './columns';

type Card = KanbanColumns[number]['experiments'][number];

const DRAG_TYPE = 'application/x-rsdk-experiment';

/** Four status columns; drag a card (or use its "Move to…" select) to change its status. */
export function KanbanBoard({ project, columns }: { project: string; columns: KanbanColumns }) {
  const setStatus = useSetExperimentStatus(project);
  const [over, setOver] = useState<Status | null>(null);
  const move = (number: number, status: Status) => setStatus.mutate({ number, status });
  const board = toColumns(columns);

  const onDrop = (status: Status) => (event: DragEvent) => {
    event.preventDefault();
    setOver(null);
    const number = Number(event.dataTransfer.getData(DRAG_TYPE));
    const from = board.find((c) => c.experiments.some((e) => e.number === number));
    if (Number.isInteger(number) && number > 0 && from && from.status !== status) move(number, status);
  };

  return (
    <div className="flex flex-col gap-3">
      {setStatus.error ? <ErrorState error={setStatus.error} /> : null}
      <div className="grid grid-cols-1 gap-3 md:grid-cols-4">
        {board.map((column) => (
          <section
            key={column.status}
            aria-label={`${columnTitle[column.status]} column`}
            data-testid={`kanban-column-${column.status}`}
            onDragOver={(e) => {
              if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
              e.preventDefault();
              e.dataTransfer.dropEffect = 'move';
              setOver(column.status);
            }}
            onDragLeave={() => setOver((s) => (s === column.status ? null : s))}
            onDrop={onDrop(column.status)}
            className={cn(
              'flex min-h-64 flex-col gap-2 rounded-md border border-border bg-muted/40 p-2',
              over === column.status && 'ring-2 ring-primary',
            )}
          >
            <h2 className="px-1 text-sm font-medium">
              {columnTitle[column.status]} <span className="text-muted-foreground">({column.experiments.length})</span>
            </h2>
            {column.experiments.map((card) => (
              <KanbanCard key={card.number} project={project} card={card} status={column.status} onMove={move} />
            ))}
          </section>
        ))}
      </div>
    </div>
  );
}

const KanbanCard = memo(function KanbanCard({
  project,
  card,
  status,
  onMove,
}: {
  project: string;
  card: Card;
  status: Status;
  onMove: (number: number, status: Status) => void;
}) {
  const progress = Math.min(100, Math.max(0, card.progress));
  return (
    <article
      draggable
      data-testid="kanban-card"
      data-number={card.number}
      onDragStart={(e) => {
        e.dataTransfer.setData(DRAG_TYPE, String(card.number));
        e.dataTransfer.effectAllowed = 'move';
      }}
      className="flex cursor-grab flex-col gap-2 rounded-md border border-border bg-background p-2 text-sm shadow-sm"
    >
      <div className="flex items-baseline gap-1">
        <span className="font-mono text-xs text-muted-foreground">#{card.number}</span>
        <Link to={`/p/${encodeURIComponent(project)}/e/${card.number}`} className="truncate font-medium hover:underline">
          {card.name}
        </Link>
      </div>
      <div
        role="progressbar"
        aria-label={`Progress of #${card.number}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={progress}
        className="h-1.5 rounded bg-muted"
      >
        <div className="h-1.5 rounded bg-primary" style={{ width: `${progress}%` }} />
      </div>
      <Select
        aria-label={`Move #${card.number} to`}
        className="h-7 text-xs"
        value=""
        onChange={(e) => {
          const to = COLUMN_ORDER.find((s) => s === e.target.value);
          if (to && to !== status) onMove(card.number, to);
        }}
      >
        <option value="">Move to…</option>
        {COLUMN_ORDER.filter((s) => s !== status).map((s) => (
          <option key={s} value={s}>
            {columnTitle[s]}
          </option>
        ))}
      </Select>
    </article>
  );
});
