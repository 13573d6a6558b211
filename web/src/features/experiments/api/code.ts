import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type {
  CodeDiffQuery,
  CodeDiffQueryVariables,
  CodeTreeQuery,
  CodeTreeQueryVariables,
} from '@/lib/generated/graphql';
import { DiffHunkFields } from './files';

export const CodeTreeDocument = /* GraphQL */ `
  query CodeTree($project: String!, $number: Int!, $against: Int) {
    codeSnapshot(project: $project, number: $number) {
      format
      fileCount
      commit
    }
    codeTree(project: $project, number: $number, against: $against) {
      against
      entries {
        path
        status
      }
    }
  }
`;

export const CodeDiffDocument = /* GraphQL */ `
  ${DiffHunkFields}
  query CodeDiff($project: String!, $left: Int!, $right: Int!, $path: String!) {
    codeDiff(project: $project, left: $left, right: $right, path: $path) {
      path
      text
      reason
      added
      removed
      truncated
      hunks {
        ...DiffHunkFields
      }
    }
  }
`;

export type CodeEntry = CodeTreeQuery['codeTree']['entries'][number];
export type CodeDiff = CodeDiffQuery['codeDiff'];

export function fetchCodeTree(variables: CodeTreeQueryVariables) {
  return gql<CodeTreeQuery, CodeTreeQueryVariables>(CodeTreeDocument, variables);
}

export const codeTreeQueryOptions = (variables: CodeTreeQueryVariables) =>
  queryOptions({ queryKey: ['codeTree', variables], queryFn: () => fetchCodeTree(variables) });

export function useCodeTree(variables: CodeTreeQueryVariables) {
  return useQuery(codeTreeQueryOptions(variables));
}

export function fetchCodeDiff(variables: CodeDiffQueryVariables) {
  return gql<CodeDiffQuery, CodeDiffQueryVariables>(CodeDiffDocument, variables);
}

export const codeDiffQueryOptions = (variables: CodeDiffQueryVariables) =>
  queryOptions({
    queryKey: ['codeDiff', variables],
    queryFn: () => fetchCodeDiff(variables),
    enabled: variables.path !== '',
  });

export function useCodeDiff(variables: CodeDiffQueryVariables) {
  return useQuery(codeDiffQueryOptions(variables));
}
