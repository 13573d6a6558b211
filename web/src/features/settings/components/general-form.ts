import type { UpdateProjectInput } from '@/lib/generated/graphql';
import type { ProjectSettings } from '../api/project-settings';
import { type FieldErrors, formatList, type Parsed, parseList, parseNumber, sameList } from './form-values';

/** The general settings as the form holds them: lists one entry a line, numbers as typed. */
export interface GeneralForm {
  description: string;
  namingPattern: string;
  parentFromName: boolean;
  missingParentMakesRoot: boolean;
  ignoredFeaturePaths: string;
  environmentVariables: string;
  evidenceSupportThreshold: string;
  evidenceRefuteThreshold: string;
}

export type GeneralField = keyof GeneralForm;

/** The server's names for the fields it refuses (see `placeServerError`) → the form's. */
export const GENERAL_SERVER_FIELDS: Readonly<Record<string, GeneralField>> = {
  description: 'description',
  namingPattern: 'namingPattern',
  'featureDiff.ignoredPaths': 'ignoredFeaturePaths',
  ignoredFeaturePaths: 'ignoredFeaturePaths',
  environmentVariables: 'environmentVariables',
  evidenceSupportThreshold: 'evidenceSupportThreshold',
  evidenceRefuteThreshold: 'evidenceRefuteThreshold',
};

export function generalFormOf(project: ProjectSettings): GeneralForm {
  return {
    description: project.description,
    namingPattern: project.namingPattern,
    parentFromName: project.parentFromName,
    missingParentMakesRoot: project.missingParentMakesRoot,
    ignoredFeaturePaths: formatList(project.ignoredFeaturePaths),
    environmentVariables: formatList(project.environmentVariables),
    evidenceSupportThreshold: String(project.evidenceSupportThreshold),
    evidenceRefuteThreshold: String(project.evidenceRefuteThreshold),
  };
}

/**
 * `updateProject`'s input: only the fields that differ from the saved ones (an unchanged
 * threshold sent again would recompute every hypothesis for nothing), or the fields the
 * browser can already tell are not numbers. An empty input means there is nothing to save.
 */
export function updateProjectInput(saved: ProjectSettings, form: GeneralForm): Parsed<UpdateProjectInput, GeneralField> {
  const input: UpdateProjectInput = {};
  const errors: FieldErrors<GeneralField> = {};
  if (form.description !== saved.description) input.description = form.description;
  if (form.namingPattern !== saved.namingPattern) input.namingPattern = form.namingPattern;
  if (form.parentFromName !== saved.parentFromName) input.parentFromName = form.parentFromName;
  if (form.missingParentMakesRoot !== saved.missingParentMakesRoot) input.missingParentMakesRoot = form.missingParentMakesRoot;
  const ignored = parseList(form.ignoredFeaturePaths);
  if (!sameList(ignored, saved.ignoredFeaturePaths)) input.ignoredFeaturePaths = ignored;
  const variables = parseList(form.environmentVariables);
  if (!sameList(variables, saved.environmentVariables)) input.environmentVariables = variables;
  for (const field of ['evidenceSupportThreshold', 'evidenceRefuteThreshold'] as const) {
    const parsed = parseNumber(form[field]);
    if ('error' in parsed) errors[field] = parsed.error;
    else if (parsed.value !== saved[field]) input[field] = parsed.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
}
