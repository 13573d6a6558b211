import { lazy, Suspense } from 'react';
import { createBrowserRouter, Link, RouterProvider } from 'react-router';
import { Loading } from '@/components/states';
import { Layout } from '@/components/layout';
import { LoginRoute, RequireAuth } from '@/features/auth';
import { ProjectOverviewRoute } from '@/features/metrics';
import { KanbanRoute } from '@/features/kanban';
import { ProjectsRoute } from '@/features/projects';

// The experiment view carries the chart library: loaded when first opened.
// So are the graph view with React Flow and dagre, the hypotheses views and the settings.
const GraphRoute = lazy(() => import('@/features/graph').then((m) => ({ default: m.GraphRoute })));
const HypothesesRoute = lazy(() => import('@/features/hypotheses').then((m) => ({ default: m.HypothesesRoute })));
const HypothesisRoute = lazy(() => import('@/features/hypotheses').then((m) => ({ default: m.HypothesisRoute })));
const CompareRoute = lazy(() => import('@/features/compare').then((m) => ({ default: m.CompareRoute })));
const KnowledgeRoute = lazy(() => import('@/features/knowledge').then((m) => ({ default: m.KnowledgeRoute })));
const SettingsRoute = lazy(() => import('@/features/settings').then((m) => ({ default: m.SettingsRoute })));
const ExperimentRoute = lazy(() => import('@/features/experiments').then((m) => ({ default: m.ExperimentRoute })));

function NotFound() {
  return (
    <p className="text-sm">
      No such page. <Link to="/" className="underline">Back to the projects</Link>
    </p>
  );
}

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/login', element: <LoginRoute /> },
      {
        element: <RequireAuth />,
        children: [
          { path: '/', element: <ProjectsRoute /> },
          { path: '/p/:project', element: <ProjectOverviewRoute /> },
          { path: '/p/:project/kanban', element: <KanbanRoute /> },
          { path: '/p/:project/graph', element: (
              <Suspense fallback={<Loading what="Loading" />}>
                <GraphRoute />
              </Suspense>
            ),
          },
          { path: '/p/:project/hypotheses', element: (
              <Suspense fallback={<Loading what="Loading" />}>
                <HypothesesRoute />
              </Suspense>
            ),
          },
          { path: '/p/:project/hypotheses/:id', element: (
              <Suspense fallback={<Loading what="Loading" />}>
                <HypothesisRoute />
              </Suspense>
            ),
          },
          { path: '/p/:project/compare', element: (
              <Suspense fallback={<Loading what="Loading" />}>
                <CompareRoute />
              </Suspense>
            ),
          },
          { path: '/p/:project/knowledge', element: (
              <Suspense fallback={<Loading what="Loading" />}>
                <KnowledgeRoute />
              </Suspense>
            ),
          },
          { path: '/p/:project/settings', element: (
              <Suspense fallback={<Loading what="Loading" />}>
                <SettingsRoute />
              </Suspense>
            ),
          },
          { path: '/p/:project/e/:number', element: (
              <Suspense fallback={<Loading what="Loading" />}>
                <ExperimentRoute />
              </Suspense>
            ),
          },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
