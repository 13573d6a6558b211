import type { CapturePolicyInput } from '@/lib/generated/graphql';
import type { CapturePolicy } from '../api/capture-policies';
import { type FieldErrors, formatBytes, formatList, type Parsed, parseBytes, parseList } from './form-values';

/** A capture policy as the form holds it: globs one a line, sizes as typed (`1 GiB`). */
export interface PolicyForm {
  name: string;
  include: string;
  exclude: string;
  maxFileBytes: string;
  maxExperimentBytes: string;
}

export type PolicyField = keyof PolicyForm;

/** The server's names for the fields it refuses (`max_file_bytes`, `include[2]`, …) → the form's. */
export const POLICY_SERVER_FIELDS: Readonly<Record<string, PolicyField>> = {
  name: 'name',
  include: 'include',
  exclude: 'exclude',
  maxFileBytes: 'maxFileBytes',
  maxExperimentBytes: 'maxExperimentBytes',
};

/** A new policy starts as the built-in one does: everything, at most 1 GiB a file, 20 GiB a run. */
export const NEW_POLICY: PolicyForm = { name: '', include: '**', exclude: '', maxFileBytes: '1 GiB', maxExperimentBytes: '20 GiB' };

export function policyFormOf(policy: CapturePolicy): PolicyForm {
  return {
    name: policy.name,
    include: formatList(policy.include),
    exclude: formatList(policy.exclude),
    maxFileBytes: formatBytes(policy.maxFileBytes),
    maxExperimentBytes: formatBytes(policy.maxExperimentBytes),
  };
}

/** `setCapturePolicy`'s input, or the fields the browser can tell are wrong (the globs are the server's to judge). */
export function capturePolicyInput(form: PolicyForm): Parsed<CapturePolicyInput, PolicyField> {
  const errors: FieldErrors<PolicyField> = {};
  const name = form.name.trim();
  if (name === '') errors.name = 'must not be empty';
  const maxFileBytes = parseBytes(form.maxFileBytes);
  if ('error' in maxFileBytes) errors.maxFileBytes = maxFileBytes.error;
  const maxExperimentBytes = parseBytes(form.maxExperimentBytes);
  if ('error' in maxExperimentBytes) errors.maxExperimentBytes = maxExperimentBytes.error;
  if ('error' in maxFileBytes || 'error' in maxExperimentBytes || name === '') return { ok: false, errors };
  return {
    ok: true,
    input: {
      name,
      include: parseList(form.include),
      exclude: parseList(form.exclude),
      maxFileBytes: maxFileBytes.value,
      maxExperimentBytes: maxExperimentBytes.value,
    },
  };
}
