export { KanbanRoute } from './routes/kanban-route';
