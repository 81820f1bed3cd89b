// Who is signed in: the token lives in memory only (React state), never in localStorage or
// sessionStorage; reloading the page asks to sign in again.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { makeApi, type Api } from "./api";

export type User = {
  username: string;
  name: string;
  title?: string | null;
  roles: string[];
  role_labels?: string[];
  unit?: string | null;
  unit_name?: string | null;
};

type Auth = {
  user: User | null;
  token: string | null;
  api: Api;
  /** ``logout``: where signing out sends the browser to end the provider's session too */
  signIn: (token: string, user: User, logout?: string | null) => void;
  signOut: () => void;
  expired: boolean;
};

const AuthContext = createContext<Auth | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<{ token: string; user: User; logout: string | null } | null>(null);
  const [expired, setExpired] = useState(false);
  const signOut = useCallback(() => {
    if (session?.logout) window.location.assign(session.logout); // the provider's session ends too
    setSession(null);
  }, [session]);
  const onUnauthorized = useCallback(() => {
    setExpired(true);
    setSession(null);
  }, []);
  const value = useMemo<Auth>(
    () => ({
      user: session?.user ?? null,
      token: session?.token ?? null,
      api: makeApi(session?.token ?? null, onUnauthorized),
      signIn: (token, user, logout = null) => {
        setExpired(false);
        setSession({ token, user, logout });
      },
      signOut,
      expired,
    }),
    [session, onUnauthorized, signOut, expired],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error("useAuth outside AuthProvider");
  return auth;
}

export function hasRole(user: User | null, ...roles: string[]): boolean {
  return !!user && user.roles.some((role) => roles.includes(role));
}
