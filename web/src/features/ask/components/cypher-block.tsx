import * as Collapsible from '@radix-ui/react-collapsible';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import type { Answer } from '../api/ask';

/** The read-only Cypher statements behind an answer, folded away until asked for. */
export function CypherBlock({ statements }: { statements: Answer['cypher'] }) {
  const [open, setOpen] = useState(false);
  if (statements.length === 0) return null;
  return (
    <Collapsible.Root open={open} onOpenChange={setOpen} className="mt-3">
      <Collapsible.Trigger asChild>
        <Button variant="outline" size="sm" aria-expanded={open}>
          {open ? '▾' : '▸'} Cypher ({statements.length} {statements.length === 1 ? 'statement' : 'statements'})
        </Button>
      </Collapsible.Trigger>
      <Collapsible.Content className="mt-2 flex flex-col gap-2">
        {statements.map((statement, i) => (
          <figure key={i} data-testid="cypher" className="rounded-md border border-border bg-muted p-2">
            <figcaption className="mb-1 text-xs text-muted-foreground">
              {statement.name} · {statement.rows} {statement.rows === 1 ? 'row' : 'rows'}
            </figcaption>
            <pre className="overflow-x-auto whitespace-pre-wrap font-mono text-xs">{statement.text}</pre>
            <pre className="mt-1 overflow-x-auto font-mono text-xs text-muted-foreground">
              {JSON.stringify(statement.parameters)}
            </pre>
          </figure>
        ))}
      </Collapsible.Content>
    </Collapsible.Root>
  );
}
