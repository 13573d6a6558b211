import { Button } from '@/components/ui/button';
import type { Answer } from '../api/ask';
import { CypherBlock } from './cypher-block';

function cellText(value: unknown): string {
  if (value == null) return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function AnswerView({ answer, onAsk }: { answer: Answer; onAsk: (question: string) => void }) {
  const rows = Array.isArray(answer.rows) ? (answer.rows as unknown[][]) : [];
  return (
    <div data-testid="answer">
      <p className="font-medium" data-testid="answer-sentence">
        {answer.sentence}
      </p>
      {answer.answered && answer.columns.length > 0 && rows.length > 0 ? (
        <div className="mt-2 max-h-72 overflow-auto rounded-md border border-border">
          <table className="w-full text-sm">
            <thead className="bg-muted text-left">
              <tr>
                {answer.columns.map((column) => (
                  <th key={column} className="px-2 py-1 font-medium">
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={i} className="border-t border-border">
                  {answer.columns.map((column, j) => (
                    <td key={column} className="px-2 py-1 tabular-nums">
                      {cellText(Array.isArray(row) ? row[j] : undefined)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {answer.interpretation.notes.length > 0 ? (
        <ul className="mt-2 list-disc pl-5 text-xs text-muted-foreground">
          {answer.interpretation.notes.map((note, i) => (
            <li key={i}>{note}</li>
          ))}
        </ul>
      ) : null}
      {!answer.answered && answer.suggestions.length > 0 ? (
        <div className="mt-2 flex flex-wrap gap-2" aria-label="Suggested questions">
          {answer.suggestions.map((suggestion) => (
            <Button key={suggestion} variant="chip" size="sm" onClick={() => onAsk(suggestion)}>
              {suggestion}
            </Button>
          ))}
        </div>
      ) : null}
      <CypherBlock statements={answer.cypher} />
    </div>
  );
}
