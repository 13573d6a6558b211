import { ApiError } from '@/lib/graphql';
import type { FieldErrors } from './form-values';

const camelCase = (name: string) => name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * Where the server's refusal of a value goes on a form, or null when it names no field the
 * form has. `extensions.field` names the input the way the refusing layer does
 * (`namingPattern`, `settings.environmentVariables[1]`, `settings.featureDiff.ignoredPaths[0]`,
 * `max_file_bytes`, `include[2]`); `fields` maps those names, without the `settings.` prefix,
 * the positions and the snake case, to the form's fields. The message loses its `field: `
 * prefix, and an entry of a list is named by its position.
 */
export function placeServerError<F extends string>(
  error: unknown,
  fields: Readonly<Record<string, F>>,
): { field: F; message: string } | null {
  if (!(error instanceof ApiError) || !error.field) return null;
  const named = error.field;
  const path = named.replace(/^settings\./, '');
  const position = /\[(\d+)\]$/.exec(path);
  const field = fields[camelCase(path.replace(/\[\d+\]/g, ''))];
  if (!field) return null;
  const reason = error.message.startsWith(`${named}: `) ? error.message.slice(named.length + 2) : error.message;
  return { field, message: position ? `entry ${Number(position[1]) + 1}: ${reason}` : reason };
}

/**
 * A form's messages by field: the browser's own checks, and the server's refusal where it
 * names a field of the form. `unplaced` is a server error to show for the whole form instead.
 */
export function formErrors<F extends string>(
  local: FieldErrors<F>,
  serverError: unknown,
  fields: Readonly<Record<string, F>>,
): { errors: FieldErrors<F>; unplaced: unknown } {
  if (!serverError) return { errors: local, unplaced: null };
  const placed = placeServerError(serverError, fields);
  if (!placed) return { errors: local, unplaced: serverError };
  return { errors: { ...local, [placed.field]: placed.message }, unplaced: null };
}
