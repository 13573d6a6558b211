import { useParams } from 'react-router';
import { ProjectHeader } from '@/components/project-tabs';
import { ErrorState, Loading } from '@/components/states';
import { Card, CardTitle } from '@/components/ui/card';
import { useMyRole } from '@/lib/project-role';
import { useProjectSettings } from '../api/project-settings';
import { CapturePolicies } from '../components/capture-policies';
import { GeneralSettings } from '../components/general-settings';
import { MetricConfigs } from '../components/metric-configs';
import { Members } from '../components/members';

/**
 * `/p/:project/settings`: the project's general settings, key metrics, capture policies and
 * members. Admins change them; anyone else who opens the URL reads them, told why they cannot
 * change them.
 */
export function SettingsRoute() {
  const { project = '' } = useParams();
  const role = useMyRole(project);
  const settings = useProjectSettings({ project });
  const myRole = role.data?.project.myRole;
  const editable = myRole === 'ADMIN';
  return (
    <section className="flex flex-col gap-4">
      <ProjectHeader project={project} />
      {role.data && !editable ? (
        <p role="note" data-testid="settings-read-only" className="rounded-md border border-border bg-muted p-3 text-sm">
          Only project admins can change settings
          {myRole ? <> (you are a {myRole.toLowerCase()} here)</> : null}: what you see is read only.
        </p>
      ) : null}
      {role.error ? <ErrorState error={role.error} /> : null}
      <Card>
        <CardTitle>General</CardTitle>
        {settings.isPending ? <Loading what="Loading the settings" /> : null}
        {settings.error ? <ErrorState error={settings.error} /> : null}
        {settings.data ? <GeneralSettings project={project} saved={settings.data.project} editable={editable} /> : null}
      </Card>
      <Card>
        <CardTitle>Key metrics</CardTitle>
        <MetricConfigs project={project} editable={editable} />
      </Card>
      <Card>
        <CardTitle>Capture policies</CardTitle>
        <CapturePolicies project={project} editable={editable} />
      </Card>
      <Card>
        <CardTitle>Members</CardTitle>
        <Members project={project} editable={editable} />
      </Card>
    </section>
  );
}
