export { CompareRoute } from './routes/compare-route';
