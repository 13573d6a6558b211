import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type {
  FileDiffQuery,
  FileDiffQueryVariables,
  FileTreeQuery,
  FileTreeQueryVariables,
} from '@/lib/generated/graphql';

export const FileTreeDocument = /* GraphQL */ `
  query FileTree($project: String!, $number: Int!, $against: Int) {
    files(project: $project, number: $number, against: $against) {
      against
      entries {
        path
        status
        current {
          size
          text
          mime
        }
        other {
          size
          text
          mime
        }
      }
    }
  }
`;

/** The line hunks of a side-by-side diff: files and source code have the same. */
export const DiffHunkFields = /* GraphQL */ `
  fragment DiffHunkFields on DiffHunkGql {
    oldStart
    oldLines
    newStart
    newLines
    lines {
      kind
      oldNumber
      newNumber
      segments {
        text
        changed
      }
    }
  }
`;

export const FileDiffDocument = /* GraphQL */ `
  ${DiffHunkFields}
  query FileDiff($project: String!, $left: Int!, $right: Int!, $path: String!) {
    fileDiff(project: $project, left: $left, right: $right, path: $path) {
      path
      binary
      left {
        hash
        size
        mime
      }
      right {
        hash
        size
        mime
      }
      added
      removed
      truncated
      hunks {
        ...DiffHunkFields
      }
    }
  }
`;

export type FileEntry = FileTreeQuery['files']['entries'][number];
export type FileDiff = FileDiffQuery['fileDiff'];

export const fileTreeQueryOptions = (variables: FileTreeQueryVariables) =>
  queryOptions({
    queryKey: ['files', variables],
    queryFn: () => gql<FileTreeQuery, FileTreeQueryVariables>(FileTreeDocument, variables),
  });

export function useFileTree(variables: FileTreeQueryVariables) {
  return useQuery(fileTreeQueryOptions(variables));
}

export const fileDiffQueryOptions = (variables: FileDiffQueryVariables) =>
  queryOptions({
    queryKey: ['fileDiff', variables],
    queryFn: () => gql<FileDiffQuery, FileDiffQueryVariables>(FileDiffDocument, variables),
    enabled: variables.path !== '',
  });

export function useFileDiff(variables: FileDiffQueryVariables) {
  return useQuery(fileDiffQueryOptions(variables));
}
