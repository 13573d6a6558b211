export { KnowledgeRoute } from './routes/knowledge-route';
