export { ExperimentRoute } from './routes/experiment-route';
