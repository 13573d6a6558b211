import type { ReactNode } from 'react';
import { cn } from '@/lib/utils';

/** A listed setting's cell (`Cell`) and the table they sit in, its last column the row's actions. */
export function SettingsTable({ label, columns, children }: { label: string; columns: readonly string[]; children: ReactNode }) {
  return (
    <table className="w-full text-sm" aria-label={label}>
      <thead className="text-left text-muted-foreground">
        <tr className="border-b border-border">
          {columns.map((column) => (
            <th key={column} className="py-2 pr-4 font-medium">
              {column}
            </th>
          ))}
          <th className="py-2 font-medium">
            <span className="sr-only">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

export function Cell({ className, children }: { className?: string; children: ReactNode }) {
  return <td className={cn('py-2 pr-4 align-top', className)}>{children}</td>;
}
