import * as Collapsible from '@radix-ui/react-collapsible';
import { useState } from 'react';
import { ErrorState, Loading } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { useMetricColumns } from '../api/columns';
import { columnChoices, columnsParam, toggleColumn } from './columns';

/**
 * Which metrics the table shows: a checkbox per metric (the configured ones and the table's
 * defaults), a field for any other logged metric by name, and a reset to the defaults. The
 * choice goes to `onChange` as the URL value (null for the default).
 */
export function ColumnPicker({
  project,
  shown,
  onChange,
}: {
  project: string;
  /** The columns the table shows now, in order. */
  shown: readonly string[];
  onChange: (param: string | null) => void;
}) {
  const [open, setOpen] = useState(false);
  const [other, setOther] = useState('');
  const { data, error, isPending } = useMetricColumns({ project }, open);
  const defaults = data?.metricsTable.metrics.map((m) => m.name) ?? [];
  const choices = columnChoices(shown, defaults, data?.metricConfigs.map((c) => c.name) ?? []);
  const choose = (next: string[]) => onChange(columnsParam(next, defaults));

  return (
    <Collapsible.Root open={open} onOpenChange={setOpen} className="relative">
      <Collapsible.Trigger asChild>
        <Button variant="outline" size="sm" aria-expanded={open}>
          {open ? '▾' : '▸'} Columns ({shown.length})
        </Button>
      </Collapsible.Trigger>
      <Collapsible.Content className="absolute right-0 z-20 mt-1 w-[28rem] max-w-[90vw] rounded-md border border-border bg-background p-3 text-sm shadow-lg"
        onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}
      >
        {isPending ? <Loading what="Loading the metrics" /> : null}
        {error ? <ErrorState error={error} /> : null}
        <fieldset aria-label="Metrics shown" className="flex flex-wrap gap-x-4 gap-y-1">
          {choices.map((name) => (
            <label key={name} className="flex items-center gap-1">
              <input
                type="checkbox"
                checked={shown.includes(name)}
                // The last column stays: an empty choice would mean the defaults again.
                disabled={shown.length === 1 && shown.includes(name)}
                onChange={(e) => choose(toggleColumn(shown, name, e.target.checked))}
              />
              {name}
            </label>
          ))}
        </fieldset>
        <form
          className="mt-2 flex items-center gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            const name = other.trim();
            if (name === '' || name.includes(',')) return;
            choose(toggleColumn(shown, name, true));
            setOther('');
          }}
        >
          <Input
            className="max-w-56"
            aria-label="Another metric by name"
            placeholder="Another metric by name…"
            value={other}
            onChange={(e) => setOther(e.target.value)}
          />
          <Button type="submit" variant="outline" size="sm" disabled={other.trim() === '' || other.includes(',')}>
            Add
          </Button>
          <Button type="button" variant="ghost" size="sm" onClick={() => onChange(null)}>
            Key metrics
          </Button>
        </form>
      </Collapsible.Content>
    </Collapsible.Root>
  );
}
