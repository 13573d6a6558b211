export { ProjectOverviewRoute } from './routes/project-overview-route';
// For views that mark runs against their parent the way the table does (the graph's nodes).
export { useWholeMetricsTable, type TableMetric, type TableRow } from './api/metrics-table';
export { cellClassStyles, classifyCell, comparedWith, type CellClass } from './components/classify';
