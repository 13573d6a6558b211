import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { MetricCell } from './metric-cell';

describe('MetricCell', () => {
  it('shows an improvement in green with the delta', () => {
    const { container } = render(
      <MetricCell cell={{ value: 0.2, deltaParent: -0.05, improvedParent: null, missing: false }} direction="MINIMIZE" />,
    );
    const div = container.firstElementChild!;
    expect(div).toHaveAttribute('data-class', 'improved');
    expect(div.className).toContain('bg-green-100');
    expect(div).toHaveTextContent('0.2(-0.05)');
  });

  it('shows a regression in red', () => {
    const { container } = render(
      <MetricCell cell={{ value: 0.8, deltaParent: -0.1, improvedParent: false, missing: false }} direction="MAXIMIZE" />,
    );
    expect(container.firstElementChild!.className).toContain('bg-red-100');
  });

  it('shows NaN as an indicator, not a number', () => {
    render(<MetricCell cell={{ value: 'NaN', deltaParent: 'NaN', improvedParent: null, missing: false }} direction="MINIMIZE" />);
    expect(screen.getByLabelText('NaN: not a number')).toBeInTheDocument();
  });

  it('shows a missing value as a muted NaN indicator', () => {
    const { container } = render(
      <MetricCell cell={{ value: 'NaN', deltaParent: 'NaN', improvedParent: null, missing: true }} direction="MAXIMIZE" />,
    );
    expect(container.firstElementChild).toHaveAttribute('data-class', 'missing');
    expect(screen.getByLabelText('no value (not logged, or NaN)')).toHaveTextContent('NaN');
  });
});
