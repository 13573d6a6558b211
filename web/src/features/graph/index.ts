export { GraphRoute } from './routes/graph-route';
