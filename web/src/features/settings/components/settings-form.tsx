import type { UseMutationResult } from '@tanstack/react-query';
import { type ChangeEvent, type ReactNode, useState } from 'react';
import { ErrorState } from '@/components/states';
import { type FieldErrors, type Parsed, withoutField } from './form-values';
import { formErrors } from './server-errors';

/**
 * A settings form's state: its values, the messages by field (the browser's checks, then the
 * server's refusal where `serverFields` places it) and the server error no field takes.
 * `set` changes one value and clears what was said about it; `bind` hands a text field's value
 * and change handler to its input; `submit` sends a parsed form, or shows why it cannot be sent.
 */
export function useSettingsForm<Form extends object, Input, Data>(
  initial: () => Form,
  mutation: UseMutationResult<Data, Error, Input>,
  serverFields: Readonly<Record<string, keyof Form & string>>,
) {
  type Field = keyof Form & string;
  type TextField = { [K in Field]: Form[K] extends string ? K : never }[Field];
  const [form, setForm] = useState<Form>(initial);
  const [localErrors, setLocalErrors] = useState<FieldErrors<Field>>({});
  const { errors, unplaced } = formErrors(localErrors, mutation.error, serverFields);
  const set = <K extends Field>(field: K, value: Form[K]) => {
    setForm((current) => ({ ...current, [field]: value }));
    setLocalErrors((current) => withoutField<Field>(current, field));
    // The server's refusal was about what it was sent: editing makes it stale.
    if (mutation.error) mutation.reset();
  };
  const bind = <K extends TextField>(field: K) => ({
    value: form[field] as string,
    onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => set(field, e.target.value as Form[K]),
  });
  const submit = (parsed: Parsed<Input, Field>, onSuccess?: (data: Data) => void) => {
    if (!parsed.ok) {
      setLocalErrors(parsed.errors);
      return;
    }
    setLocalErrors({});
    mutation.mutate(parsed.input, { onSuccess });
  };
  return { form, setForm, set, bind, errors, unplaced, submit };
}

/** A settings form: its fields, disabled together unless `editable`, and an error no field takes. */
export function SettingsForm({
  label,
  editable,
  unplaced,
  onSubmit,
  className,
  children,
}: {
  label: string;
  editable: boolean;
  unplaced: unknown;
  onSubmit: () => void;
  className?: string;
  children: ReactNode;
}) {
  return (
    <form
      aria-label={label}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <fieldset disabled={!editable} className={className}>
        {children}
      </fieldset>
      {unplaced ? (
        <div className="mt-3">
          <ErrorState error={unplaced} />
        </div>
      ) : null}
    </form>
  );
}
