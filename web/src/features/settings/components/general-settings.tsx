import { Button } from '@/components/ui/button';
import { Input, Textarea } from '@/components/ui/input';
import { type ProjectSettings, useUpdateProject } from '../api/project-settings';
import { Field } from './field';
import { GENERAL_SERVER_FIELDS, generalFormOf, updateProjectInput } from './general-form';
import { SettingsForm, useSettingsForm } from './settings-form';

const code = (text: string) => <code className="font-mono">{text}</code>;

/**
 * Description, naming pattern, parent detection, ignored feature paths, environment variables
 * and evidence thresholds, saved together through `updateProject` (only what changed); the
 * server's refusal is shown under the field it names. Read only unless `editable`.
 */
export function GeneralSettings({ project, saved, editable }: { project: string; saved: ProjectSettings; editable: boolean }) {
  const mutation = useUpdateProject(project);
  const { form, setForm, set, bind, errors, unplaced, submit } = useSettingsForm(() => generalFormOf(saved), mutation, GENERAL_SERVER_FIELDS);
  const parsed = updateProjectInput(saved, form);
  const unchanged = parsed.ok && Object.keys(parsed.input).length === 0;
  return (
    <SettingsForm
      label="General settings"
      editable={editable}
      unplaced={unplaced}
      onSubmit={() => submit(parsed, (data) => setForm(generalFormOf(data.updateProject)))}
      className="grid gap-4 md:grid-cols-2"
    >
      <div className="md:col-span-2">
        <Field name="description" label="Description" error={errors.description}>
          {(control) => <Textarea {...control} rows={2} {...bind('description')} />}
        </Field>
      </div>
      <div className="md:col-span-2">
        <Field
          name="namingPattern"
          label="Naming pattern"
          error={errors.namingPattern}
          hint={<>A regex every experiment name must match; the groups {code('number')} and {code('parent')} are read, e.g. {code('^(?P<number>\\d+)_from_(?P<parent>\\d+)_.+$')}.</>}
        >
          {(control) => (
            <Input {...control} className="font-mono" spellCheck={false} {...bind('namingPattern')} />
          )}
        </Field>
      </div>
      <Field name="parentFromName" label="Read the parent from the name's parent group" layout="inline">
        {(control) => (
          <input {...control} type="checkbox" checked={form.parentFromName} onChange={(e) => set('parentFromName', e.target.checked)} />
        )}
      </Field>
      <Field name="missingParentMakesRoot" label="A missing parent makes a root (instead of refusing the name)" layout="inline">
        {(control) => (
          <input {...control} type="checkbox" checked={form.missingParentMakesRoot} onChange={(e) => set('missingParentMakesRoot', e.target.checked)} />
        )}
      </Field>
      <Field
        name="ignoredFeaturePaths"
        label="Ignored feature paths"
        error={errors.ignoredFeaturePaths}
        hint={<>One a line: changes to these are stored but not treated as changes (e.g. {code('seed')}).</>}
      >
        {(control) => (
          <Textarea {...control} rows={5} className="font-mono" spellCheck={false} {...bind('ignoredFeaturePaths')} />
        )}
      </Field>
      <Field
        name="environmentVariables"
        label="Environment variables kept"
        error={errors.environmentVariables}
        hint={<>One a line: names, or prefixes ending in {code('*')} (e.g. {code('CUDA_*')}). Names that look secret are dropped even when listed.</>}
      >
        {(control) => (
          <Textarea {...control} rows={5} className="font-mono" spellCheck={false} {...bind('environmentVariables')} />
        )}
      </Field>
      <Field
        name="evidenceSupportThreshold"
        label="Evidence support threshold"
        error={errors.evidenceSupportThreshold}
        hint="A hypothesis whose score reaches this is supported. Changing it recomputes the hypotheses."
      >
        {(control) => (
          <Input {...control} inputMode="decimal" {...bind('evidenceSupportThreshold')} />
        )}
      </Field>
      <Field
        name="evidenceRefuteThreshold"
        label="Evidence refute threshold"
        error={errors.evidenceRefuteThreshold}
        hint="A hypothesis whose score falls to minus this is refuted. Changing it recomputes the hypotheses."
      >
        {(control) => (
          <Input {...control} inputMode="decimal" {...bind('evidenceRefuteThreshold')} />
        )}
      </Field>
      <div className="flex items-center gap-3 md:col-span-2">
        <Button type="submit" size="sm" disabled={mutation.isPending || unchanged}>
          Save settings
        </Button>
        {mutation.isSuccess && unchanged ? (
          <span role="status" className="text-sm text-muted-foreground">
            Saved.
          </span>
        ) : null}
      </div>
    </SettingsForm>
  );
}
