import { NavLink } from 'react-router';
import { cn } from '@/lib/utils';

const tabs = [
  { to: '', label: 'Overview' },
  { to: '/graph', label: 'Graph' },
  { to: '/kanban', label: 'Kanban' },
  { to: '/hypotheses', label: 'Hypotheses' },
  { to: '/compare', label: 'Compare' },
  { to: '/knowledge', label: 'Knowledge' },
];

/** The project page's header: its name and the tabs between its views. */
export function ProjectHeader({ project }: { project: string }) {
  const base = `/p/${encodeURIComponent(project)}`;
  return (
    <div className="flex flex-wrap items-baseline gap-3">
      <h1 className="text-xl font-semibold">{project}</h1>
      <nav aria-label="Project views" className="flex gap-1 text-sm">
        {tabs.map((tab) => (
          <NavLink
            key={tab.label}
            to={base + tab.to}
            end
            className={({ isActive }) =>
              cn(
                'rounded-md px-2 py-1 hover:bg-muted',
                isActive ? 'bg-muted font-medium text-foreground' : 'text-muted-foreground',
              )
            }
          >
            {tab.label}
          </NavLink>
        ))}
      </nav>
      <NavLink to="/" className="text-sm text-muted-foreground hover:underline">
        All projects
      </NavLink>
    </div>
  );
}
