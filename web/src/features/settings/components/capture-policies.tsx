import { Empty, ErrorState, Loading } from '@/components/states';
import { Input, Textarea } from '@/components/ui/input';
import { ApiError } from '@/lib/graphql';
import { type CapturePolicy, DEFAULT_POLICY, useCapturePolicies, useRemoveCapturePolicy, useSetCapturePolicy } from '../api/capture-policies';
import { capturePolicyInput, NEW_POLICY, POLICY_SERVER_FIELDS, policyFormOf } from './capture-policy-form';
import { Field } from './field';
import { formatBytes } from './form-values';
import { EditorForm, type EditorProps, RowActions, useEditing } from './named-settings';
import { useSettingsForm } from './settings-form';
import { Cell, SettingsTable } from './settings-table';

const Globs = ({ globs }: { globs: readonly string[] }) =>
  globs.length === 0 ? (
    <span className="text-muted-foreground">none</span>
  ) : (
    <ul className="font-mono text-xs">
      {globs.map((glob) => (
        <li key={glob}>{glob}</li>
      ))}
    </ul>
  );

/** The built-in policy has nothing stored to remove: the server's NOT_FOUND says it is already in place. */
function removeError(error: unknown, name: string | undefined) {
  if (name === DEFAULT_POLICY && error instanceof ApiError && error.code === 'NOT_FOUND') {
    return new ApiError(`${DEFAULT_POLICY} is the built-in policy already`, error.code);
  }
  return error;
}

/**
 * The project's capture policies (which files a run keeps, how large they may be): each edited
 * or removed (a replaced `project-default` goes back to the built-in); a form adds one.
 */
export function CapturePolicies({ project, editable }: { project: string; editable: boolean }) {
  const { data, error, isPending } = useCapturePolicies({ project });
  const remove = useRemoveCapturePolicy(project);
  const { editing, edit, stopEditing, removeNamed } = useEditing<CapturePolicy>(remove);
  return (
    <div className="flex flex-col gap-3">
      {isPending ? <Loading what="Loading the capture policies" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && data.capturePolicies.length === 0 ? <Empty>No capture policies.</Empty> : null}
      {data && data.capturePolicies.length > 0 ? (
        <SettingsTable label="Capture policies" columns={['Policy', 'Include', 'Exclude', 'Largest file', 'Largest run']}>
          {data.capturePolicies.map((policy) => (
            <tr key={policy.name} className="border-b border-border" data-testid="capture-policy-row" data-name={policy.name}>
              <Cell className="font-mono">{policy.name}</Cell>
              <Cell>
                <Globs globs={policy.include} />
              </Cell>
              <Cell>
                <Globs globs={policy.exclude} />
              </Cell>
              <Cell className="tabular-nums">{formatBytes(policy.maxFileBytes)}</Cell>
              <Cell className="tabular-nums">{formatBytes(policy.maxExperimentBytes)}</Cell>
              <td className="py-2 align-top">
                <RowActions
                  name={policy.name}
                  editable={editable}
                  busy={remove.isPending}
                  onEdit={() => edit(policy)}
                  onRemove={() => removeNamed(policy.name)}
                  removeText={policy.name === DEFAULT_POLICY ? 'Restore the built-in' : 'Remove'}
                />
              </td>
            </tr>
          ))}
        </SettingsTable>
      ) : null}
      {remove.error ? <ErrorState error={removeError(remove.error, remove.variables)} /> : null}
      {/* A new key (the policy's name) starts the form afresh for each policy edited. */}
      <CapturePolicyForm key={editing?.name ?? ''} project={project} editing={editing} editable={editable} onDone={stopEditing} />
    </div>
  );
}

/** Adds a capture policy, or replaces the one being edited (its name stays). */
function CapturePolicyForm({ project, editing, editable, onDone }: EditorProps<CapturePolicy>) {
  const mutation = useSetCapturePolicy(project);
  const { form, setForm, bind, errors, unplaced, submit } = useSettingsForm(
    () => (editing ? policyFormOf(editing) : NEW_POLICY),
    mutation,
    POLICY_SERVER_FIELDS,
  );
  const globHint = (
    <>
      One a line; <code className="font-mono">*</code> stays within a path segment, <code className="font-mono">**</code> crosses them.
    </>
  );
  return (
    <EditorForm
      title={editing ? `Edit ${editing.name}` : 'Add a capture policy'}
      submitText={editing ? 'Save policy' : 'Add policy'}
      editable={editable}
      editing={!!editing}
      busy={mutation.isPending}
      unplaced={unplaced}
      gridClassName="md:grid-cols-3"
      onSubmit={() =>
        submit(capturePolicyInput(form), () => {
          setForm(NEW_POLICY);
          onDone();
        })
      }
      onCancel={onDone}
    >
      <Field name="name" label="Policy name" error={errors.name} hint="Letters, digits, ., _ and -.">
        {(control) => (
          <Input {...control} className="font-mono" readOnly={!!editing} {...bind('name')} />
        )}
      </Field>
      <Field name="maxFileBytes" label="Largest file" error={errors.maxFileBytes} hint="Bytes, or with a unit: 500 MB, 1 GiB.">
        {(control) => (
          <Input {...control} autoFocus={!!editing} {...bind('maxFileBytes')} />
        )}
      </Field>
      <Field name="maxExperimentBytes" label="Largest run (all its files)" error={errors.maxExperimentBytes}>
        {(control) => <Input {...control} {...bind('maxExperimentBytes')} />}
      </Field>
      <Field name="include" label="Include globs" error={errors.include} hint={globHint}>
        {(control) => (
          <Textarea {...control} className="font-mono" spellCheck={false} {...bind('include')} />
        )}
      </Field>
      <Field name="exclude" label="Exclude globs" error={errors.exclude} hint="One a line; a file they match is never kept, even when included.">
        {(control) => (
          <Textarea {...control} className="font-mono" spellCheck={false} {...bind('exclude')} />
        )}
      </Field>
    </EditorForm>
  );
}
