import { queryOptions, useQuery } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { SearchQuery, SearchQueryVariables } from '@/lib/generated/graphql';

export const SearchDocument = /* GraphQL */ `
  query Search($query: String!, $project: String, $kinds: [SearchKind!], $first: Int) {
    search(query: $query, project: $project, kinds: $kinds, first: $first) {
      total
      hits {
        kind
        id
        project
        number
        title
        score
        snippets {
          field
          html
        }
      }
    }
  }
`;

export function fetchSearch(variables: SearchQueryVariables) {
  return gql<SearchQuery, SearchQueryVariables>(SearchDocument, variables);
}

export const searchQueryOptions = (variables: SearchQueryVariables) =>
  queryOptions({
    queryKey: ['search', variables],
    queryFn: () => fetchSearch(variables),
    enabled: variables.query.trim() !== '',
  });

export function useSearch(variables: SearchQueryVariables) {
  return useQuery(searchQueryOptions(variables));
}
