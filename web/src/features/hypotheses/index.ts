export { HypothesesRoute } from './routes/hypotheses-route';
export { HypothesisRoute } from './routes/hypothesis-route';
