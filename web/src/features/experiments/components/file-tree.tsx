import { Empty, ErrorState, Loading } from '@/components/states';
import { useFileDiff, useFileTree } from '../api/files';
import { ChangeTree, type DiffTarget, type TreeProps } from './change-tree';
import { SideBySideDiff } from './file-diff';

function FileDiffPanel(target: DiffTarget) {
  const { data, error, isPending } = useFileDiff(target);
  if (isPending) return <Loading what="Loading the diff" />;
  if (error) return <ErrorState error={error} />;
  return <SideBySideDiff diff={data.fileDiff} />;
}

/** The experiment's files with their status against the parent; a click opens a diff. */
export function FileTree({ project, number, selected, onSelect }: TreeProps) {
  const { data, error, isPending } = useFileTree({ project, number });
  if (isPending) return <Loading what="Loading the files" />;
  if (error) return <ErrorState error={error} />;
  const { against, entries } = data.files;
  if (entries.length === 0) return <Empty>No files recorded.</Empty>;
  return (
    <ChangeTree
      label="Files"
      testId="file"
      entries={entries}
      against={against}
      number={number}
      selected={selected}
      onSelect={onSelect}
      renderDiff={(path, left) => <FileDiffPanel project={project} left={left} right={number} path={path} />}
    />
  );
}
