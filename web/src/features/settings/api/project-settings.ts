import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type {
  ProjectSettingsQuery,
  ProjectSettingsQueryVariables,
  UpdateProjectInput,
  UpdateProjectMutation,
  UpdateProjectMutationVariables,
} from '@/lib/generated/graphql';

/** What the settings page shows; the mutation answers the same, so the cache takes it as it is. */
export const ProjectSettingsFields = /* GraphQL */ `
  fragment ProjectSettingsFields on Project {
    name
    description
    namingPattern
    parentFromName
    missingParentMakesRoot
    ignoredFeaturePaths
    environmentVariables
    evidenceSupportThreshold
    evidenceRefuteThreshold
  }
`;

export const ProjectSettingsDocument = /* GraphQL */ `
  ${ProjectSettingsFields}
  query ProjectSettings($project: String!) {
    project(name: $project) {
      ...ProjectSettingsFields
    }
  }
`;

export const UpdateProjectDocument = /* GraphQL */ `
  ${ProjectSettingsFields}
  mutation UpdateProject($name: String!, $input: UpdateProjectInput!) {
    updateProject(name: $name, input: $input) {
      ...ProjectSettingsFields
    }
  }
`;

export type ProjectSettings = ProjectSettingsQuery['project'];

export function fetchProjectSettings(variables: ProjectSettingsQueryVariables) {
  return gql<ProjectSettingsQuery, ProjectSettingsQueryVariables>(ProjectSettingsDocument, variables);
}

export const projectSettingsQueryOptions = (variables: ProjectSettingsQueryVariables) =>
  queryOptions({ queryKey: ['projectSettings', variables], queryFn: () => fetchProjectSettings(variables) });

export function useProjectSettings(variables: ProjectSettingsQueryVariables) {
  return useQuery(projectSettingsQueryOptions(variables));
}

export function updateProject(variables: UpdateProjectMutationVariables) {
  return gql<UpdateProjectMutation, UpdateProjectMutationVariables>(UpdateProjectDocument, variables);
}

/**
 * Saves the changed settings; the answer replaces the cached ones. Other views show the
 * description (the projects list) and the thresholds (hypotheses are recomputed with them).
 */
export function useUpdateProject(project: string) {
  const client = useQueryClient();
  const { queryKey } = projectSettingsQueryOptions({ project });
  return useMutation({
    mutationFn: (input: UpdateProjectInput) => updateProject({ name: project, input }),
    onSuccess: (data) => {
      client.setQueryData(queryKey, { project: data.updateProject });
      void client.invalidateQueries({ queryKey: ['projects'] });
      void client.invalidateQueries({ queryKey: ['hypotheses'] });
      void client.invalidateQueries({ queryKey: ['hypothesis'] });
    },
  });
}
