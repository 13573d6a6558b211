import { Link, Outlet, useNavigate } from 'react-router';
import { Button } from '@/components/ui/button';
import { ThemeToggle } from '@/components/theme-toggle';
import { useSession } from '@/lib/session';

export function Layout() {
  const email = useSession((s) => s.email);
  const signOut = useSession((s) => s.signOut);
  const navigate = useNavigate();
  return (
    <div className="min-h-screen">
      <header className="flex items-center gap-4 border-b border-border px-6 py-3">
        <Link to="/" className="font-semibold">
          rsdk
        </Link>
        <nav className="flex gap-3 text-sm text-muted-foreground">
          <Link to="/" className="hover:text-foreground">
            Projects
          </Link>
          <a href="/graphql" className="hover:text-foreground">
            GraphQL explorer
          </a>
        </nav>
        <div className="ml-auto flex items-center gap-2 text-sm">
          <ThemeToggle />
          {email ? (
            <>
              <span className="text-muted-foreground">{email}</span>
              <Button
                variant="outline"
                size="sm"
                onClick={() => {
                  signOut();
                  navigate('/login');
                }}
              >
                Sign out
              </Button>
            </>
          ) : null}
        </div>
      </header>
      <main className="mx-auto max-w-7xl px-6 py-6">
        <Outlet />
      </main>
    </div>
  );
}
