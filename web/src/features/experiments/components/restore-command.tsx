import { useRef, useState } from 'react';
import { Button } from '@/components/ui/button';

/** Quotes a shell word when it needs it. */
function shellWord(word: string) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export function restoreCommand(project: string, number: number) {
  return `rsdk restore --project ${shellWord(project)} --experiment ${number}`;
}

/** The command that restores the experiment, with a Copy button (selects it where the clipboard is refused). */
export function RestoreCommand({ project, number }: { project: string; number: number }) {
  const command = restoreCommand(project, number);
  const ref = useRef<HTMLElement>(null);
  const [copied, setCopied] = useState<'copied' | 'selected' | null>(null);
  const selectText = () => {
    const node = ref.current;
    const selection = window.getSelection();
    if (!node || !selection) return;
    const range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
    setCopied('selected');
  };
  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(command);
      setCopied('copied');
    } catch {
      selectText();
    }
  };
  return (
    <div className="flex flex-wrap items-center gap-2">
      <code ref={ref} data-testid="restore-command" className="rounded-md bg-muted px-2 py-1 font-mono text-sm">
        {command}
      </code>
      <Button variant="outline" size="sm" onClick={() => void copy()}>
        Copy
      </Button>
      <span role="status" className="text-xs text-muted-foreground">
        {copied === 'copied' ? 'Copied.' : copied === 'selected' ? 'Selected: press Ctrl+C to copy.' : ''}
      </span>
    </div>
  );
}
