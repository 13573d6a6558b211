import { NavLink } from 'react-router';
import { useMyRole } from '@/lib/project-role';
import { cn } from '@/lib/utils';

const tabs = [
  { to: '', label: 'Overview' },
  { to: '/graph', label: 'Graph' },
  { to: '/kanban', label: 'Kanban' },
  { to: '/hypotheses', label: 'Hypotheses' },
  { to: '/compare', label: 'Compare' },
  { to: '/knowledge', label: 'Knowledge' },
];

/** Only the project's admins may change its settings: the others do not get the tab. */
const adminTabs = [{ to: '/settings', label: 'Settings' }];

/** The project page's header: its name and the tabs between its views. */
export function ProjectHeader({ project }: { project: string }) {
  const base = `/p/${encodeURIComponent(project)}`;
  const role = useMyRole(project);
  const shown = role.data?.project.myRole === 'ADMIN' ? [...tabs, ...adminTabs] : tabs;
  return (
    <div className="flex flex-wrap items-baseline gap-3">
      <h1 className="text-xl font-semibold">{project}</h1>
      <nav aria-label="Project views" className="flex gap-1 text-sm">
        {shown.map((tab) => (
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
