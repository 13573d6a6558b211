import { Empty, ErrorState, Loading } from '@/components/states';
import { type CodeDiff, useCodeDiff, useCodeTree } from '../api/code';
import { ChangeTree, type DiffTarget, type TreeProps } from './change-tree';
import { TextDiffTable } from './file-diff';

/** A source diff: the hunks side by side, or why there are none (binary, too large, only in the commit). */
export function CodeDiffView({ diff }: { diff: CodeDiff }) {
  if (!diff.text) {
    return (
      <p data-testid="code-diff-fallback" className="rounded-md border border-border p-3 text-sm text-muted-foreground">
        No line diff: {diff.reason ?? 'the content is not stored'}.
      </p>
    );
  }
  return <TextDiffTable diff={diff} />;
}

function CodeDiffPanel(target: DiffTarget) {
  const { data, error, isPending } = useCodeDiff(target);
  if (isPending) return <Loading what="Loading the diff" />;
  if (error) return <ErrorState error={error} />;
  return <CodeDiffView diff={data.codeDiff} />;
}

/** The source files of the experiment's code snapshot with their status against the parent's. */
export function CodeTree({ project, number, selected, onSelect }: TreeProps) {
  const { data, error, isPending } = useCodeTree({ project, number });
  if (isPending) return <Loading what="Loading the code" />;
  if (error) return <ErrorState error={error} />;
  const snapshot = data.codeSnapshot;
  if (!snapshot) return <Empty>No code snapshot recorded.</Empty>;
  const { against, entries } = data.codeTree;
  return (
    <div className="flex flex-col gap-2">
      <p className="text-xs text-muted-foreground">
        {snapshot.format} snapshot, {snapshot.fileCount} {snapshot.fileCount === 1 ? 'file' : 'files'}
        {snapshot.commit ? ` at ${snapshot.commit.slice(0, 10)}` : ''}
      </p>
      <ChangeTree
        label="Source files"
        testId="code"
        entries={entries}
        against={against}
        number={number}
        selected={selected}
        onSelect={onSelect}
        renderDiff={(path, left) => <CodeDiffPanel project={project} left={left} right={number} path={path} />}
      />
    </div>
  );
}
