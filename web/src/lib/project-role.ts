import { queryOptions, useQuery } from '@tanstack/react-query';
import type { MyRoleQuery, MyRoleQueryVariables } from './generated/graphql';
import { gql } from './graphql';

/**
 * The caller's role on a project (`Project.myRole`: site admins are admins, a token caps it;
 * null when they have none). Views offer what it allows; the API checks every call anyway.
 */
export const MyRoleDocument = /* GraphQL */ `
  query MyRole($project: String!) {
    project(name: $project) {
      myRole
    }
  }
`;

export type ProjectRole = NonNullable<MyRoleQuery['project']['myRole']>;

export function fetchMyRole(variables: MyRoleQueryVariables) {
  return gql<MyRoleQuery, MyRoleQueryVariables>(MyRoleDocument, variables);
}

export const myRoleQueryOptions = (variables: MyRoleQueryVariables) =>
  queryOptions({ queryKey: ['myRole', variables], queryFn: () => fetchMyRole(variables) });

/** The caller's role on `project` (every project view's header asks: one request, cached). */
export function useMyRole(project: string) {
  return useQuery({ ...myRoleQueryOptions({ project }), enabled: project !== '' });
}
