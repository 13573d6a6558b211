import { create } from 'zustand';
import { persist } from 'zustand/middleware';

/** The signed-in user's session: the access token every API call carries. */
interface SessionState {
  accessToken: string | null;
  email: string | null;
  signIn: (accessToken: string, email: string) => void;
  signOut: () => void;
}

export const useSession = create<SessionState>()(
  persist(
    (set) => ({
      accessToken: null,
      email: null,
      signIn: (accessToken, email) => set({ accessToken, email }),
      signOut: () => set({ accessToken: null, email: null }),
    }),
    { name: 'rsdk-session' },
  ),
);
