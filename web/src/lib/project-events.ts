import { useEffect, useEffectEvent } from 'react';
import type { ProjectEventsSubscription } from './generated/graphql';
import { useSession } from './session';
import { subscribe } from './subscriptions';

export const ProjectEventsDocument = /* GraphQL */ `
  subscription ProjectEvents($project: String!) {
    projectEvents(project: $project) {
      kind
      number
      lastStep
      metrics
    }
  }
`;

/** `experiment_created`, `experiment_updated`, `experiment_reparented`, `metrics_appended` or `missed`. */
export type ProjectEvent = ProjectEventsSubscription['projectEvents'];

/**
 * Hands the project's live events to `onEvents`, gathered over `intervalMs` so a run logging
 * many chunks a second costs a view one refetch per interval, not one per chunk. Views
 * invalidate their queries from here.
 */
export function useProjectEvents(project: string, onEvents: (events: ProjectEvent[]) => void, intervalMs = 500) {
  const token = useSession((s) => s.accessToken);
  const deliver = useEffectEvent(onEvents);
  useEffect(() => {
    if (!token || !project) return;
    let pending: ProjectEvent[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    const flush = () => {
      timer = undefined;
      const events = pending;
      pending = [];
      deliver(events);
    };
    const unsubscribe = subscribe<ProjectEventsSubscription>(token, ProjectEventsDocument, { project }, (data) => {
      pending.push(data.projectEvents);
      timer ??= setTimeout(flush, intervalMs);
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [project, token, intervalMs]);
}
