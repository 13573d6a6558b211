import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ComparedCell } from './classify';
import { MetricCell } from './metric-cell';

const cell = (over: Partial<ComparedCell>): ComparedCell => ({
  value: 1,
  deltaParent: 'NaN',
  deltaBaseline: 'NaN',
  improvedParent: null,
  improvedBaseline: null,
  missing: false,
  ...over,
});

describe('MetricCell', () => {
  it('shows an improvement in green with the delta', () => {
    const { container } = render(<MetricCell cell={cell({ value: 0.2, deltaParent: -0.05 })} direction="MINIMIZE" />);
    const div = container.firstElementChild!;
    expect(div).toHaveAttribute('data-class', 'improved');
    expect(div.className).toContain('bg-green-100');
    expect(div).toHaveTextContent('0.2(-0.05)');
    expect(screen.getByText('better than the parent')).toHaveClass('sr-only');
  });

  it('shows a regression in red', () => {
    const { container } = render(
      <MetricCell cell={cell({ value: 0.8, deltaParent: -0.1, improvedParent: false })} direction="MAXIMIZE" />,
    );
    expect(container.firstElementChild!.className).toContain('bg-red-100');
  });

  it('highlights against the baseline when asked, and names both deltas in the tooltip', () => {
    const both = cell({ value: 0.8, deltaParent: 0.1, improvedParent: true, deltaBaseline: -0.2, improvedBaseline: false });
    const { container } = render(<MetricCell cell={both} direction="MAXIMIZE" comparison="baseline" baseline="BEST" />);
    const div = container.firstElementChild!;
    expect(div).toHaveAttribute('data-class', 'regressed');
    expect(div).toHaveTextContent('0.8(-0.2)');
    expect(div).toHaveAttribute('title', 'vs the parent: +0.1 · vs the best run: -0.2');
    expect(screen.getByText('worse than the best run')).toBeInTheDocument();
  });

  it('shows NaN as an indicator, not a number', () => {
    render(<MetricCell cell={cell({ value: 'NaN' })} direction="MINIMIZE" />);
    expect(screen.getByLabelText('NaN: not a number')).toBeInTheDocument();
  });

  it('shows a missing value as a muted NaN indicator', () => {
    const { container } = render(<MetricCell cell={cell({ value: 'NaN', missing: true })} direction="MAXIMIZE" />);
    expect(container.firstElementChild).toHaveAttribute('data-class', 'missing');
    expect(screen.getByLabelText('no value (not logged, or NaN)')).toHaveTextContent('NaN');
  });
});
