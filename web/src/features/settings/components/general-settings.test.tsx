import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, gql } from '@/lib/graphql';
import { GeneralSettings } from './general-settings';
import { SAVED_SETTINGS } from './test-fixtures';

vi.mock('@/lib/graphql', async (original) => ({ ...(await original<typeof import('@/lib/graphql')>()), gql: vi.fn() }));
const send = vi.mocked(gql);

const saved = SAVED_SETTINGS;

function renderSettings(editable: boolean) {
  const client = new QueryClient({ defaultOptions: { mutations: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return render(<GeneralSettings project="vision" saved={saved} editable={editable} />, { wrapper });
}

describe('GeneralSettings', () => {
  beforeEach(() => send.mockReset());

  it("sends only the changed field and shows the server's refusal under it", async () => {
    send.mockRejectedValueOnce(new ApiError('namingPattern: is not a valid regex: unclosed group', 'VALIDATION', 'namingPattern'));
    renderSettings(true);
    const pattern = screen.getByLabelText('Naming pattern');
    fireEvent.change(pattern, { target: { value: '^(' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    const error = await screen.findByRole('alert');
    expect(error).toHaveTextContent(/^is not a valid regex: unclosed group$/);
    expect(error).toHaveAttribute('data-field', 'namingPattern');
    expect(pattern).toHaveAttribute('aria-invalid', 'true');
    expect(pattern.getAttribute('aria-describedby')).toContain(error.id);
    expect(send).toHaveBeenCalledWith(expect.stringContaining('mutation UpdateProject'), { name: 'vision', input: { namingPattern: '^(' } });
    // Editing the field again makes the refusal stale.
    fireEvent.change(pattern, { target: { value: '^(?P<number>\\d+)_.+$' } });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('checks the thresholds in the browser first', () => {
    renderSettings(true);
    fireEvent.change(screen.getByLabelText('Evidence support threshold'), { target: { value: 'high' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByRole('alert')).toHaveTextContent('must be a number');
    expect(send).not.toHaveBeenCalled();
  });

  it('shows an error that names no field of the form below it', async () => {
    send.mockRejectedValueOnce(new ApiError('not allowed: project admins only', 'FORBIDDEN'));
    renderSettings(true);
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'Other' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('not allowed: project admins only(FORBIDDEN)'));
  });

  it('is read only for anyone but an admin', () => {
    renderSettings(false);
    expect(screen.getByLabelText('Naming pattern')).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Save settings' })).toBeDisabled();
  });
});
