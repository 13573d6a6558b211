import type { ReactNode } from 'react';

const entities: Record<string, string> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
  '&#x2F;': '/',
  '&#47;': '/',
};

function unescape(text: string): string {
  return text.replace(/&(?:amp|lt|gt|quot|#39|#x27|#x2F|#47);/g, (m) => entities[m] ?? m);
}

/**
 * Splits a server snippet (HTML-escaped text whose only tags are `<mark>` and `</mark>`) into
 * plain and highlighted parts. Nothing is ever parsed as HTML: any other markup stays text.
 */
export function parseSnippet(html: string): { text: string; marked: boolean }[] {
  const parts: { text: string; marked: boolean }[] = [];
  let marked = false;
  for (const piece of html.split(/(<\/?mark>)/)) {
    if (piece === '<mark>') marked = true;
    else if (piece === '</mark>') marked = false;
    else if (piece !== '') parts.push({ text: unescape(piece), marked });
  }
  return parts;
}

export function Snippet({ html }: { html: string }): ReactNode {
  return (
    <span data-testid="snippet">
      {parseSnippet(html).map((part, i) =>
        part.marked ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>,
      )}
    </span>
  );
}
