import { useState } from 'react';
import { ErrorState } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Input, Select } from '@/components/ui/input';
import { HYPOTHESIS_STATUSES, type Hypothesis, type HypothesisStatus, useOverrideHypothesis } from '../api/hypotheses';
import { StatusBadge } from './status-badge';

/** Sets the status by hand with a reason, or clears the override; the API's errors are shown. */
export function OverrideControl({ hypothesis }: { hypothesis: Hypothesis }) {
  const [status, setStatus] = useState<HypothesisStatus>(hypothesis.override?.status ?? 'SUPPORTED');
  const [reason, setReason] = useState('');
  const mutation = useOverrideHypothesis(hypothesis.id);
  const { override } = hypothesis;
  return (
    <div className="flex flex-col gap-3 text-sm">
      {override ? (
        <p data-testid="override-note">
          Overridden to <StatusBadge status={override.status} /> by {override.author?.displayName ?? 'an erased account'} on{' '}
          {new Date(override.at).toLocaleString()}: “{override.reason}”. The evidence says{' '}
          <StatusBadge status={hypothesis.computedStatus} />.
        </p>
      ) : (
        <p className="text-muted-foreground">No override: the status shown is the one the evidence gives.</p>
      )}
      <form
        className="flex flex-wrap items-center gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          mutation.mutate({ status, reason: reason.trim() }, { onSuccess: () => setReason('') });
        }}
      >
        <Select aria-label="Override status" value={status} onChange={(e) => setStatus(e.target.value as HypothesisStatus)}>
          {HYPOTHESIS_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </Select>
        <Input
          aria-label="Reason for the override"
          placeholder="Why (required)"
          className="min-w-64 flex-1"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
        <Button type="submit" size="sm" disabled={mutation.isPending}>
          Set status
        </Button>
        {override ? (
          <Button type="button" size="sm" variant="outline" disabled={mutation.isPending} onClick={() => mutation.mutate(null)}>
            Clear override
          </Button>
        ) : null}
      </form>
      {mutation.error ? <ErrorState error={mutation.error} /> : null}
    </div>
  );
}
