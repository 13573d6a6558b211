import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type {
  KnowledgeExperimentQuery,
  KnowledgeExperimentQueryVariables,
  KnowledgeHypothesisQuery,
  KnowledgeHypothesisQueryVariables,
  KnowledgeRunsQuery,
  KnowledgeRunsQueryVariables,
} from '@/lib/generated/graphql';

export const KnowledgeExperimentDocument = /* GraphQL */ `
  query KnowledgeExperiment($project: String!, $number: Int!) {
    experiment(project: $project, number: $number) {
      number
      name
      parents {
        number
        name
      }
      children {
        number
        name
      }
      featuresDiff
      evidence {
        hypothesis {
          id
          title
        }
      }
      measured {
        metric
      }
    }
  }
`;

export const KnowledgeHypothesisDocument = /* GraphQL */ `
  query KnowledgeHypothesis($id: ID!) {
    hypothesis(id: $id) {
      id
      title
      experiments {
        number
        name
      }
      targets {
        metric
      }
      about
    }
  }
`;

export const KnowledgeRunsDocument = /* GraphQL */ `
  query KnowledgeRuns($project: String!) {
    experiments(project: $project, first: 1000) {
      nodes {
        number
        name
      }
    }
  }
`;

export type KnowledgeExperiment = KnowledgeExperimentQuery['experiment'];
export type KnowledgeHypothesis = KnowledgeHypothesisQuery['hypothesis'];

export function fetchKnowledgeExperiment(variables: KnowledgeExperimentQueryVariables) {
  return gql<KnowledgeExperimentQuery, KnowledgeExperimentQueryVariables>(KnowledgeExperimentDocument, variables);
}
export const knowledgeExperimentQueryOptions = (variables: KnowledgeExperimentQueryVariables) =>
  queryOptions({ queryKey: ['experiment', 'knowledge', variables], queryFn: () => fetchKnowledgeExperiment(variables) });
export function useKnowledgeExperiment(variables: KnowledgeExperimentQueryVariables) {
  return useQuery(knowledgeExperimentQueryOptions(variables));
}

export function fetchKnowledgeHypothesis(variables: KnowledgeHypothesisQueryVariables) {
  return gql<KnowledgeHypothesisQuery, KnowledgeHypothesisQueryVariables>(KnowledgeHypothesisDocument, variables);
}
export const knowledgeHypothesisQueryOptions = (variables: KnowledgeHypothesisQueryVariables) =>
  queryOptions({ queryKey: ['hypothesis', 'knowledge', variables], queryFn: () => fetchKnowledgeHypothesis(variables) });
export function useKnowledgeHypothesis(variables: KnowledgeHypothesisQueryVariables) {
  return useQuery(knowledgeHypothesisQueryOptions(variables));
}

export function fetchKnowledgeRuns(variables: KnowledgeRunsQueryVariables) {
  return gql<KnowledgeRunsQuery, KnowledgeRunsQueryVariables>(KnowledgeRunsDocument, variables);
}
export const knowledgeRunsQueryOptions = (variables: KnowledgeRunsQueryVariables) =>
  queryOptions({ queryKey: ['knowledgeRuns', variables], queryFn: () => fetchKnowledgeRuns(variables) });
export function useKnowledgeRuns(variables: KnowledgeRunsQueryVariables) {
  return useQuery(knowledgeRunsQueryOptions(variables));
}
