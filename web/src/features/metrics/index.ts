export { ProjectOverviewRoute } from './routes/project-overview-route';
