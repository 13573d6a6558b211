import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';

// Operation types written by hand after the codegen output's shape (`npm run codegen`
// regenerates the generated file with these operations too).
export type HypothesisStatus = 'PROPOSED' | 'TESTING' | 'SUPPORTED' | 'REFUTED' | 'INCONCLUSIVE';
export const HYPOTHESIS_STATUSES: HypothesisStatus[] = ['PROPOSED', 'TESTING', 'SUPPORTED', 'REFUTED', 'INCONCLUSIVE'];

export type HypothesesQueryVariables = { project: string; first?: number };
export type HypothesesQuery = {
  hypotheses: {
    nodes: Array<{
      id: string;
      title: string;
      status: HypothesisStatus;
      evidenceScore: number | null;
      experiments: Array<{ number: number }>;
    }>;
  };
};

export type HypothesisQueryVariables = { id: string };
export type HypothesisQuery = {
  hypothesis: {
    id: string;
    title: string;
    description: string;
    status: HypothesisStatus;
    computedStatus: HypothesisStatus;
    override: { status: HypothesisStatus; reason: string; at: string; author: { displayName: string } | null } | null;
    evidenceScore: number | null;
    computedAt: string | null;
    targets: Array<{ metric: string; weight: number; direction: 'MAXIMIZE' | 'MINIMIZE' | null }>;
    about: Array<string>;
    experiments: Array<{ number: number; name: string; status: string }>;
    evidence: {
      score: number;
      computedStatus: HypothesisStatus;
      effectiveStatus: HypothesisStatus;
      overridden: boolean;
      explanation: string;
      computedAt: string;
      inputs: { linked: number; withUnits: number; supportThreshold: number; refuteThreshold: number; baseline: string };
      contributions: Array<{ experiment: number; score: number; confidence: number; contribution: number }>;
    } | null;
    timeline: Array<{ at: string; score: number; status: HypothesisStatus }>;
  };
};

export const HypothesesDocument = /* GraphQL */ `
  query Hypotheses($project: String!, $first: Int) {
    hypotheses(project: $project, first: $first) {
      nodes {
        id
        title
        status
        evidenceScore
        experiments {
          number
        }
      }
    }
  }
`;

export const HypothesisDocument = /* GraphQL */ `
  query Hypothesis($id: ID!) {
    hypothesis(id: $id) {
      id
      title
      description
      status
      computedStatus
      override {
        status
        reason
        at
        author {
          displayName
        }
      }
      evidenceScore
      computedAt
      targets {
        metric
        weight
        direction
      }
      about
      experiments {
        number
        name
        status
      }
      evidence {
        score
        computedStatus
        effectiveStatus
        overridden
        explanation
        computedAt
        inputs {
          linked
          withUnits
          supportThreshold
          refuteThreshold
          baseline
        }
        contributions {
          experiment
          score
          confidence
          contribution
        }
      }
      timeline {
        at
        score
        status
      }
    }
  }
`;

export const OverrideHypothesisStatusDocument = /* GraphQL */ `
  mutation OverrideHypothesisStatus($id: ID!, $status: HypothesisStatus!, $reason: String!) {
    overrideHypothesisStatus(id: $id, status: $status, reason: $reason) {
      id
      status
    }
  }
`;

export const ClearHypothesisOverrideDocument = /* GraphQL */ `
  mutation ClearHypothesisOverride($id: ID!) {
    clearHypothesisOverride(id: $id) {
      id
      status
    }
  }
`;

export type Hypothesis = HypothesisQuery['hypothesis'];

export function fetchHypotheses(variables: HypothesesQueryVariables) {
  return gql<HypothesesQuery, HypothesesQueryVariables>(HypothesesDocument, variables);
}

export const hypothesesQueryOptions = (variables: HypothesesQueryVariables) =>
  queryOptions({ queryKey: ['hypotheses', variables], queryFn: () => fetchHypotheses(variables) });

export function useHypotheses(variables: HypothesesQueryVariables) {
  return useQuery(hypothesesQueryOptions(variables));
}

export function fetchHypothesis(variables: HypothesisQueryVariables) {
  return gql<HypothesisQuery, HypothesisQueryVariables>(HypothesisDocument, variables);
}

export const hypothesisQueryOptions = (variables: HypothesisQueryVariables) =>
  queryOptions({ queryKey: ['hypothesis', variables], queryFn: () => fetchHypothesis(variables) });

export function useHypothesis(variables: HypothesisQueryVariables) {
  return useQuery(hypothesisQueryOptions(variables));
}

/** Sets (a status and reason) or clears (null) a hypothesis' manual override. */
export function useOverrideHypothesis(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (override: { status: HypothesisStatus; reason: string } | null) =>
      override
        ? gql(OverrideHypothesisStatusDocument, { id, ...override })
        : gql(ClearHypothesisOverrideDocument, { id }),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: hypothesisQueryOptions({ id }).queryKey });
      void client.invalidateQueries({ queryKey: ['hypotheses'] });
    },
  });
}
