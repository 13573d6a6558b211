import { useEffect, useRef } from 'react';
import { Button } from '@/components/ui/button';

/** A small modal question with Confirm and Cancel (Escape cancels). */
export function ConfirmDialog({
  question,
  busy,
  onConfirm,
  onCancel,
}: {
  question: string;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => confirmRef.current?.focus(), []);
  return (
    <div className="fixed inset-0 z-50 flex items-center justify-center bg-black/30" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div role="dialog" aria-modal="true" aria-label="Confirm reparent" className="flex flex-col gap-3 rounded-md border border-border bg-background p-4 shadow-lg">
        <p className="text-sm">{question}</p>
        <div className="flex justify-end gap-2">
          <Button variant="outline" size="sm" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button ref={confirmRef} size="sm" onClick={onConfirm} disabled={busy}>
            Confirm
          </Button>
        </div>
      </div>
    </div>
  );
}
