import { Badge } from '@/components/ui/badge';
import { cn } from '@/lib/utils';
import type { HypothesisStatus } from '../api/hypotheses';

const tone: Record<HypothesisStatus, string> = {
  PROPOSED: 'text-muted-foreground',
  TESTING: 'border-blue-500/60 text-blue-600 dark:text-blue-400',
  SUPPORTED: 'border-green-600/60 text-green-700 dark:text-green-400',
  REFUTED: 'border-red-600/60 text-red-700 dark:text-red-400',
  INCONCLUSIVE: 'border-amber-500/60 text-amber-700 dark:text-amber-400',
};

export function StatusBadge({ status, className }: { status: HypothesisStatus; className?: string }) {
  return (
    <Badge data-testid="hypothesis-status" data-status={status} className={cn(tone[status], className)}>
      {status}
    </Badge>
  );
}

export function formatScore(score: number | null | undefined) {
  return score == null || !Number.isFinite(score) ? '—' : score.toFixed(2);
}
