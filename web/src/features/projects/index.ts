export { ProjectsRoute } from './routes/projects-route';
