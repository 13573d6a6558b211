import { useId, type ReactNode } from 'react';
import { cn } from '@/lib/utils';

/** What a field's control needs to be labelled, described and marked invalid. */
export interface ControlProps {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

/**
 * A labelled control with its hint and its error (the browser's or the server's) under it;
 * `layout="inline"` puts a checkbox before its label.
 */
export function Field({
  name,
  label,
  hint,
  error,
  layout = 'stacked',
  children,
}: {
  /** The form field, for tests (`data-field` on the error). */
  name: string;
  label: string;
  hint?: ReactNode;
  error?: string;
  layout?: 'stacked' | 'inline';
  children: (control: ControlProps) => ReactNode;
}) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  const control = children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy });
  const labelText = (
    <label htmlFor={id} className="text-sm font-medium">
      {label}
    </label>
  );
  return (
    <div className="flex flex-col gap-1">
      {layout === 'inline' ? (
        <div className="flex items-center gap-2">
          {control}
          {labelText}
        </div>
      ) : (
        <>
          {labelText}
          {control}
        </>
      )}
      {error ? (
        <p
          id={errorId}
          role="alert"
          data-testid="field-error"
          data-field={name}
          // A multi-line reason (a regex parser's, with a caret under the fault) lines up in a fixed-width font.
          className={cn('whitespace-pre-wrap text-xs text-destructive', error.includes('\n') && 'font-mono')}
        >
          {error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="text-xs text-muted-foreground">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
