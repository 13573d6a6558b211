import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type {
  CapturePoliciesQuery,
  CapturePoliciesQueryVariables,
  CapturePolicyInput,
  RemoveCapturePolicyMutation,
  RemoveCapturePolicyMutationVariables,
  SetCapturePolicyMutation,
  SetCapturePolicyMutationVariables,
} from '@/lib/generated/graphql';

export const CapturePoliciesDocument = /* GraphQL */ `
  query CapturePolicies($project: String!) {
    capturePolicies(project: $project) {
      name
      include
      exclude
      maxFileBytes
      maxExperimentBytes
    }
  }
`;

export const SetCapturePolicyDocument = /* GraphQL */ `
  mutation SetCapturePolicy($project: String!, $policy: CapturePolicyInput!) {
    setCapturePolicy(project: $project, policy: $policy) {
      name
    }
  }
`;

export const RemoveCapturePolicyDocument = /* GraphQL */ `
  mutation RemoveCapturePolicy($project: String!, $name: String!) {
    removeCapturePolicy(project: $project, name: $name)
  }
`;

export type CapturePolicy = CapturePoliciesQuery['capturePolicies'][number];

/** The policy every project has: built in until replaced, back again when the replacement goes. */
export const DEFAULT_POLICY = 'project-default';

export function fetchCapturePolicies(variables: CapturePoliciesQueryVariables) {
  return gql<CapturePoliciesQuery, CapturePoliciesQueryVariables>(CapturePoliciesDocument, variables);
}

export const capturePoliciesQueryOptions = (variables: CapturePoliciesQueryVariables) =>
  queryOptions({ queryKey: ['capturePolicies', variables], queryFn: () => fetchCapturePolicies(variables) });

export function useCapturePolicies(variables: CapturePoliciesQueryVariables) {
  return useQuery(capturePoliciesQueryOptions(variables));
}

export function setCapturePolicy(variables: SetCapturePolicyMutationVariables) {
  return gql<SetCapturePolicyMutation, SetCapturePolicyMutationVariables>(SetCapturePolicyDocument, variables);
}

export function removeCapturePolicy(variables: RemoveCapturePolicyMutationVariables) {
  return gql<RemoveCapturePolicyMutation, RemoveCapturePolicyMutationVariables>(RemoveCapturePolicyDocument, variables);
}

/** Adds or replaces a named policy. */
export function useSetCapturePolicy(project: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (policy: CapturePolicyInput) => setCapturePolicy({ project, policy }),
    onSuccess: () => client.invalidateQueries({ queryKey: capturePoliciesQueryOptions({ project }).queryKey }),
  });
}

/** Removes a named policy (a replaced `project-default` becomes the built-in one again). */
export function useRemoveCapturePolicy(project: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => removeCapturePolicy({ project, name }),
    onSuccess: () => client.invalidateQueries({ queryKey: capturePoliciesQueryOptions({ project }).queryKey }),
  });
}
