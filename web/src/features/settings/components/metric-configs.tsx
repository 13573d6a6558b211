import { Empty, ErrorState, Loading } from '@/components/states';
import { Input, Select } from '@/components/ui/input';
import { type MetricConfig, useMetricConfigs, useRemoveMetricConfig, useSetMetricConfig } from '../api/metric-configs';
import { Field } from './field';
import {
  AGGREGATIONS,
  DIRECTIONS,
  METRIC_SERVER_FIELDS,
  metricConfigInput,
  metricFormOf,
  NEW_METRIC,
} from './metric-config-form';
import { EditorForm, type EditorProps, RowActions, useEditing } from './named-settings';
import { useSettingsForm } from './settings-form';
import { Cell, SettingsTable } from './settings-table';

const directionLabel = (config: MetricConfig) => DIRECTIONS.find((d) => d.value === config.direction)?.label;
const aggregationLabel = (config: MetricConfig) => AGGREGATIONS.find((a) => a.value === config.aggregation)?.label;

/** The project's key metrics: each with its direction and aggregation, edited or removed; a form adds one. */
export function MetricConfigs({ project, editable }: { project: string; editable: boolean }) {
  const { data, error, isPending } = useMetricConfigs({ project });
  const remove = useRemoveMetricConfig(project);
  const { editing, edit, stopEditing, removeNamed } = useEditing<MetricConfig>(remove);
  return (
    <div className="flex flex-col gap-3">
      {isPending ? <Loading what="Loading the key metrics" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && data.metricConfigs.length === 0 ? <Empty>No key metrics yet: the overview shows every logged metric.</Empty> : null}
      {data && data.metricConfigs.length > 0 ? (
        <SettingsTable label="Key metrics" columns={['Metric', 'Direction', 'Aggregation', 'Source']}>
          {data.metricConfigs.map((config) => (
            <tr key={config.name} className="border-b border-border" data-testid="metric-config-row" data-name={config.name}>
              <Cell className="font-mono">{config.name}</Cell>
              <Cell>{directionLabel(config)}</Cell>
              <Cell>{aggregationLabel(config)}</Cell>
              <Cell>
                {config.expression ? <code className="font-mono">= {config.expression}</code> : <span className="text-muted-foreground">logged</span>}
              </Cell>
              <td className="py-2">
                <RowActions
                  name={config.name}
                  editable={editable}
                  busy={remove.isPending}
                  onEdit={() => edit(config)}
                  onRemove={() => removeNamed(config.name)}
                />
              </td>
            </tr>
          ))}
        </SettingsTable>
      ) : null}
      {remove.error ? <ErrorState error={remove.error} /> : null}
      {/* A new key (the metric's name) starts the form afresh for each metric edited. */}
      <MetricConfigForm key={editing?.name ?? ''} project={project} editing={editing} editable={editable} onDone={stopEditing} />
    </div>
  );
}

/** Adds a key metric, or changes the one being edited (its name stays: a new name is another metric). */
function MetricConfigForm({ project, editing, editable, onDone }: EditorProps<MetricConfig>) {
  const mutation = useSetMetricConfig(project);
  const { form, setForm, bind, errors, unplaced, submit } = useSettingsForm(
    () => (editing ? metricFormOf(editing) : NEW_METRIC),
    mutation,
    METRIC_SERVER_FIELDS,
  );
  return (
    <EditorForm
      title={editing ? `Edit ${editing.name}` : 'Add a key metric'}
      submitText={editing ? 'Save metric' : 'Add metric'}
      editable={editable}
      editing={!!editing}
      busy={mutation.isPending}
      unplaced={unplaced}
      gridClassName="md:grid-cols-4"
      onSubmit={() =>
        submit(metricConfigInput(form), () => {
          setForm(NEW_METRIC);
          onDone();
        })
      }
      onCancel={onDone}
    >
      <Field name="name" label="Metric name" error={errors.name}>
        {(control) => (
          <Input {...control} className="font-mono" readOnly={!!editing} {...bind('name')} />
        )}
      </Field>
      <Field name="direction" label="Direction" error={errors.direction}>
        {(control) => (
          // Edit moves the focus here: the name is fixed.
          <Select {...control} autoFocus={!!editing} {...bind('direction')}>
            {DIRECTIONS.map((d) => (
              <option key={d.value} value={d.value}>
                {d.label}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field name="aggregation" label="Aggregation" error={errors.aggregation}>
        {(control) => (
          <Select {...control} {...bind('aggregation')}>
            {AGGREGATIONS.map((a) => (
              <option key={a.value} value={a.value}>
                {a.label}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <Field
        name="expression"
        label="Derived expression (optional)"
        error={errors.expression}
        hint="Over other metrics, e.g. 1 - accuracy; empty for a logged metric."
      >
        {(control) => (
          <Input {...control} className="font-mono" spellCheck={false} {...bind('expression')} />
        )}
      </Field>
    </EditorForm>
  );
}
