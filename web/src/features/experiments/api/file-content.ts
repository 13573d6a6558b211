import { queryOptions, useQuery } from '@tanstack/react-query';
import { fetchBlob } from '@/lib/rest';

interface FileContentVariables {
  /** The experiment's id (the REST routes take ids, not numbers). */
  experimentId: string;
  path: string;
}

/** `GET /api/v1/experiments/{id}/tree/{path}`: the current content of one file. */
export function fetchFileContent({ experimentId, path }: FileContentVariables) {
  const encodedPath = path.split('/').map(encodeURIComponent).join('/');
  return fetchBlob(`/api/v1/experiments/${encodeURIComponent(experimentId)}/tree/${encodedPath}`);
}

export const fileContentQueryOptions = (variables: FileContentVariables) =>
  queryOptions({
    queryKey: ['fileContent', variables],
    queryFn: () => fetchFileContent(variables),
    // A path's content changes only when the run logs it again, which the file list shows.
    staleTime: 60_000,
  });

export function useFileContent(variables: FileContentVariables, enabled = true) {
  return useQuery({ ...fileContentQueryOptions(variables), enabled });
}

export const fileTextQueryOptions = (variables: FileContentVariables) =>
  queryOptions({
    queryKey: ['fileContent', 'text', variables],
    queryFn: async () => (await fetchFileContent(variables)).text(),
    staleTime: 60_000,
  });

export function useFileText(variables: FileContentVariables, enabled = true) {
  return useQuery({ ...fileTextQueryOptions(variables), enabled });
}
