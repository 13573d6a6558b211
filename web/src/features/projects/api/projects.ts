import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { ProjectsQuery } from '@/lib/generated/graphql';

export const ProjectsDocument = /* GraphQL */ `
  query Projects {
    projects {
      name
      description
    }
  }
`;

export function fetchProjects() {
  return gql<ProjectsQuery>(ProjectsDocument);
}

export const projectsQueryOptions = () =>
  queryOptions({ queryKey: ['projects'], queryFn: fetchProjects });

export function useProjects() {
  return useQuery(projectsQueryOptions());
}
