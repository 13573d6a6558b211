import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import { myRoleQueryOptions } from '@/lib/project-role';
import type {
  MeQuery,
  ProjectMembersQuery,
  ProjectMembersQueryVariables,
  Role,
  SetProjectRoleMutation,
  SetProjectRoleMutationVariables,
  UsersQuery,
} from '@/lib/generated/graphql';

export const ProjectMembersDocument = /* GraphQL */ `
  query ProjectMembers($project: String!) {
    projectMembers(project: $project) {
      person {
        id
        displayName
      }
      role
      teams {
        team
        role
      }
      overrideRole
    }
  }
`;

export const MeDocument = /* GraphQL */ `
  query Me {
    me {
      id
      siteAdmin
    }
  }
`;

/** Every user: only site admins may ask. */
export const UsersDocument = /* GraphQL */ `
  query Users {
    users {
      id
      email
      displayName
      disabled
    }
  }
`;

export const SetProjectRoleDocument = /* GraphQL */ `
  mutation SetProjectRole($project: String!, $userId: ID!, $role: Role) {
    setProjectRole(project: $project, userId: $userId, role: $role)
  }
`;

export type ProjectMember = ProjectMembersQuery['projectMembers'][number];
export type User = UsersQuery['users'][number];
export const ROLES: readonly Role[] = ['VIEWER', 'RESEARCHER', 'ADMIN'];

export function fetchProjectMembers(variables: ProjectMembersQueryVariables) {
  return gql<ProjectMembersQuery, ProjectMembersQueryVariables>(ProjectMembersDocument, variables);
}

export const projectMembersQueryOptions = (variables: ProjectMembersQueryVariables) =>
  queryOptions({ queryKey: ['projectMembers', variables], queryFn: () => fetchProjectMembers(variables) });

export function useProjectMembers(variables: ProjectMembersQueryVariables) {
  return useQuery(projectMembersQueryOptions(variables));
}

export function fetchMe() {
  return gql<MeQuery>(MeDocument);
}

export const meQueryOptions = () => queryOptions({ queryKey: ['me'], queryFn: fetchMe });

export function useMe() {
  return useQuery(meQueryOptions());
}

export function fetchUsers() {
  return gql<UsersQuery>(UsersDocument);
}

export const usersQueryOptions = () => queryOptions({ queryKey: ['users'], queryFn: fetchUsers });

/** Asked only when `enabled` (the caller is a site admin): anyone else is refused. */
export function useUsers(enabled: boolean) {
  return useQuery({ ...usersQueryOptions(), enabled });
}

export function setProjectRole(variables: SetProjectRoleMutationVariables) {
  return gql<SetProjectRoleMutation, SetProjectRoleMutationVariables>(SetProjectRoleDocument, variables);
}

/**
 * Sets a user's own role on the project, or removes it (`role: null`; they keep what their
 * teams give). The caller's own role may be the one that changed: it is read again too.
 */
export function useSetProjectRole(project: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (vars: { userId: string; role: Role | null }) => setProjectRole({ project, ...vars }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: projectMembersQueryOptions({ project }).queryKey });
      void client.invalidateQueries({ queryKey: myRoleQueryOptions({ project }).queryKey });
    },
  });
}
