import { Link } from 'react-router';
import { Empty, ErrorState, Loading } from '@/components/states';
import { Card } from '@/components/ui/card';
import { useProjects } from '../api/projects';

export function ProjectsRoute() {
  const { data, error, isPending } = useProjects();
  return (
    <section>
      <h1 className="mb-4 text-xl font-semibold">Projects</h1>
      {isPending ? <Loading what="Loading projects" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && data.projects.length === 0 ? (
        <Empty>No projects yet: create one with the SDK, the CLI or the GraphQL API.</Empty>
      ) : null}
      <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        {data?.projects.map((project) => (
          <li key={project.name}>
            <Link to={`/p/${encodeURIComponent(project.name)}`} className="block rounded-lg">
              <Card className="h-full hover:bg-muted">
                <h2 className="font-medium">{project.name}</h2>
                <p className="text-sm text-muted-foreground">{project.description || 'No description'}</p>
              </Card>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
