// What the lists of named settings (key metrics, capture policies) share: which one the form
// under the list edits, each row's Edit and Remove buttons, and the form's frame.
import type { UseMutationResult } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Button } from '@/components/ui/button';
import { cn } from '@/lib/utils';
import { SettingsForm } from './settings-form';

/** What the form under a list gets: the setting it edits (null adds one) and how to say it is done. */
export interface EditorProps<T> {
  project: string;
  editing: T | null;
  editable: boolean;
  onDone: () => void;
}

/** The setting the form edits, and `removeNamed`, which stops editing the one it removes. */
export function useEditing<T extends { name: string }>(remove: UseMutationResult<unknown, Error, string>) {
  const [editing, setEditing] = useState<T | null>(null);
  const removeNamed = (name: string) =>
    remove.mutate(name, { onSuccess: () => setEditing((current) => (current?.name === name ? null : current)) });
  return { editing, edit: setEditing, stopEditing: () => setEditing(null), removeNamed };
}

/** A listed setting's Edit and Remove buttons, named after it for screen readers. */
export function RowActions({
  name,
  editable,
  busy,
  onEdit,
  onRemove,
  removeText = 'Remove',
}: {
  name: string;
  editable: boolean;
  busy: boolean;
  onEdit: () => void;
  onRemove: () => void;
  removeText?: string;
}) {
  return (
    <div className="flex justify-end gap-2">
      <Button size="sm" variant="outline" disabled={!editable} onClick={onEdit} aria-label={`Edit ${name}`}>
        Edit
      </Button>
      <Button size="sm" variant="outline" disabled={!editable || busy} onClick={onRemove} aria-label={`${removeText} ${name}`}>
        {removeText}
      </Button>
    </div>
  );
}

/** The frame of a form that adds a setting or changes one: its title, fields in a grid, Submit and (editing) Cancel. */
export function EditorForm({
  title,
  submitText,
  editable,
  editing,
  busy,
  unplaced,
  gridClassName,
  onSubmit,
  onCancel,
  children,
}: {
  title: string;
  submitText: string;
  editable: boolean;
  editing: boolean;
  busy: boolean;
  unplaced: unknown;
  gridClassName: string;
  onSubmit: () => void;
  onCancel?: () => void;
  children: ReactNode;
}) {
  return (
    <SettingsForm
      label={title}
      editable={editable}
      unplaced={unplaced}
      onSubmit={onSubmit}
      className="flex flex-col gap-3 rounded-md border border-border p-3"
    >
      <legend className="px-1 text-sm font-medium">{title}</legend>
      <div className={cn('grid gap-3', gridClassName)}>{children}</div>
      <div className="flex gap-2">
        <Button type="submit" size="sm" disabled={busy}>
          {submitText}
        </Button>
        {editing && onCancel ? (
          <Button type="button" size="sm" variant="outline" onClick={onCancel}>
            Cancel
          </Button>
        ) : null}
      </div>
    </SettingsForm>
  );
}
