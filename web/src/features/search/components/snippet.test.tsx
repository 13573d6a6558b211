import { render } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { parseSnippet, Snippet } from './snippet';

describe('snippets', () => {
  it('splits marked and plain text and unescapes entities', () => {
    expect(parseSnippet('a &lt;b&gt; <mark>lr</mark> &amp; c')).toEqual([
      { text: 'a <b> ', marked: false },
      { text: 'lr', marked: true },
      { text: ' & c', marked: false },
    ]);
  });

  it('renders only <mark> elements; escaped markup stays text', () => {
    const { container } = render(
      <Snippet html={'&lt;img src=x onerror=alert(1)&gt; <mark>adam</mark> &lt;script&gt;x&lt;/script&gt;'} />,
    );
    expect(container.querySelectorAll('img, script')).toHaveLength(0);
    expect(container.querySelectorAll('mark')).toHaveLength(1);
    expect(container.querySelector('mark')).toHaveTextContent('adam');
    expect(container.textContent).toBe('<img src=x onerror=alert(1)> adam <script>x</script>');
  });

  it('never interprets raw tags other than mark, even if the server sent them', () => {
    const { container } = render(<Snippet html={'<b>bold</b> <mark>hit</mark>'} />);
    expect(container.querySelector('b')).toBeNull();
    expect(container.textContent).toBe('<b>bold</b> hit');
  });
});
