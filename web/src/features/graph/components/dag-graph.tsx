import {
  Background,
  Controls,
  ReactFlow,
  useNodesState,
  type NodeMouseHandler,
  type OnNodeDrag,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ErrorState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Select } from '@/components/ui/input';
import { useTheme } from '@/lib/theme';
import { useReparentExperiment, type Dag } from '../api/dag';
import { ConfirmDialog } from './confirm-dialog';
import { layoutDag, type DagFlowEdge, type DagFlowNode } from './dag-layout';
import { dropTarget } from './drop-target';
import { ExperimentNode } from './experiment-node';

// At module scope: a new object per render would make React Flow remount every node.
const nodeTypes = { experiment: ExperimentNode };

interface Pending {
  number: number;
  parentNumber: number | null;
}

/** The DAG with drag-onto-a-node reparenting (confirmed first) and a keyboard form for the same. */
export function DagGraph({ project, dag }: { project: string; dag: Dag }) {
  const initial = layoutDag(dag);
  // A new DAG (after a reparent) lays the graph out afresh.
  const key = JSON.stringify(dag.edges);
  return <DagCanvas key={key} project={project} dag={dag} initialNodes={initial.nodes} edges={initial.edges} />;
}

function DagCanvas({
  project,
  dag,
  initialNodes,
  edges,
}: {
  project: string;
  dag: Dag;
  initialNodes: DagFlowNode[];
  edges: DagFlowEdge[];
}) {
  const navigate = useNavigate();
  const theme = useTheme((s) => s.theme);
  const [nodes, setNodes, onNodesChange] = useNodesState<DagFlowNode>(initialNodes);
  const [pending, setPending] = useState<Pending | null>(null);
  const reparent = useReparentExperiment(project);
  const snapBack = () => setNodes(initialNodes);

  const onNodeDragStop: OnNodeDrag<DagFlowNode> = (_event, node) => {
    const target = dropTarget(node, nodes);
    if (target === null) {
      snapBack();
      return;
    }
    reparent.reset();
    setPending({ number: Number(node.id), parentNumber: Number(target) });
  };
  const onNodeClick: NodeMouseHandler<DagFlowNode> = (_event, node) =>
    navigate(`/p/${encodeURIComponent(project)}/e/${node.data.number}`);

  const confirm = () => {
    if (!pending) return;
    reparent.mutate(pending, {
      onSuccess: () => setPending(null),
      onError: () => {
        setPending(null);
        snapBack();
      },
    });
  };

  return (
    <div className="flex flex-col gap-3">
      {reparent.error ? <ErrorState error={reparent.error} /> : null}
      <div className="flex flex-col gap-3 lg:flex-row">
        <div className="h-[560px] flex-1 rounded-md border border-border" data-testid="dag-canvas">
          <ReactFlow<DagFlowNode, DagFlowEdge>
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onNodeDragStop={onNodeDragStop}
            onNodeClick={onNodeClick}
            nodesConnectable={false}
            colorMode={theme}
            fitView
            proOptions={{ hideAttribution: true }}
          >
            <Background />
            <Controls showInteractive={false} />
          </ReactFlow>
        </div>
        <ReparentPanel
          dag={dag}
          onSubmit={(p) => {
            reparent.reset();
            setPending(p);
          }}
        />
      </div>
      <Legend />
      {pending ? (
        <ConfirmDialog
          question={
            pending.parentNumber === null
              ? `Make #${pending.number} a root?`
              : `Make #${pending.number} a child of #${pending.parentNumber}?`
          }
          busy={reparent.isPending}
          onConfirm={confirm}
          onCancel={() => {
            setPending(null);
            snapBack();
          }}
        />
      ) : null}
    </div>
  );
}

/** The keyboard way to reparent: choose the experiment and its new parent. */
function ReparentPanel({ dag, onSubmit }: { dag: Dag; onSubmit: (p: Pending) => void }) {
  const [number, setNumber] = useState('');
  const [parent, setParent] = useState('');
  const options = dag.nodes.map((n) => (
    <option key={n.number} value={n.number}>
      #{n.number} {n.name}
    </option>
  ));
  return (
    <form
      aria-label="Reparent an experiment"
      className="flex w-full flex-col gap-2 rounded-md border border-border p-3 text-sm lg:w-64"
      onSubmit={(e) => {
        e.preventDefault();
        if (!number) return;
        onSubmit({ number: Number(number), parentNumber: parent === 'root' || !parent ? null : Number(parent) });
      }}
    >
      <p className="font-medium">Reparent…</p>
      <p className="text-xs text-muted-foreground">Or drag an experiment onto its new parent.</p>
      <Select aria-label="Experiment to reparent" value={number} onChange={(e) => setNumber(e.target.value)}>
        <option value="">Experiment…</option>
        {options}
      </Select>
      <Select aria-label="New parent" value={parent} onChange={(e) => setParent(e.target.value)}>
        <option value="">New parent…</option>
        <option value="root">none (make it a root)</option>
        {options}
      </Select>
      <Button type="submit" size="sm" disabled={!number || !parent}>
        Reparent…
      </Button>
    </form>
  );
}

function Legend() {
  return (
    <p className="flex flex-wrap gap-4 text-xs text-muted-foreground">
      <span>
        <span className="mr-1 inline-block h-0.5 w-6 bg-current align-middle" /> child of (primary parent)
      </span>
      <span>
        <span className="mr-1 inline-block w-6 border-t-2 border-dashed border-current align-middle" /> merged from
      </span>
      <span>border colour: status (planned grey, running blue, complete green, failed red)</span>
      <span>metric: ▲/▼ its value against the parent's, green when better and red when worse by the metric's direction</span>
    </p>
  );
}
