import { useMutation, useQueryClient } from '@tanstack/react-query';
import { gql } from '@/lib/graphql';
import type { LoginMutation, LoginMutationVariables } from '@/lib/generated/graphql';
import { useSession } from '@/lib/session';

export const LoginDocument = /* GraphQL */ `
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      accessToken
      refreshToken
      user {
        id
        email
      }
    }
  }
`;

export function login(variables: LoginMutationVariables) {
  return gql<LoginMutation, LoginMutationVariables>(LoginDocument, variables);
}

export const loginMutationOptions = {
  mutationKey: ['login'],
  mutationFn: login,
} as const;

/** Signs in; on success the session holds the access token and cached queries are dropped. */
export function useLogin() {
  const queryClient = useQueryClient();
  const signIn = useSession((s) => s.signIn);
  return useMutation({
    ...loginMutationOptions,
    onSuccess: (data) => {
      queryClient.clear();
      signIn(data.login.accessToken, data.login.user.email);
    },
  });
}
