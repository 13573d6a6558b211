import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { Empty, ErrorState, Loading } from '@/components/states';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { useSearch } from '../api/search';
import { Snippet } from './snippet';

export function SearchBox({ project }: { project: string }) {
  const [text, setText] = useState('');
  const [query, setQuery] = useState('');
  const { data, error, isFetching } = useSearch({ query, project, first: 20 });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setQuery(text.trim());
  };
  return (
    <Card>
      <CardTitle>Search</CardTitle>
      <form onSubmit={onSubmit} className="mb-3 flex gap-2" role="search">
        <Input
          aria-label="Search experiments, hypotheses, features, artifacts and metrics"
          placeholder="Search this project…"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Button type="submit" variant="outline">
          Search
        </Button>
      </form>
      {query && isFetching ? <Loading what="Searching" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && data.search.hits.length === 0 ? <Empty>No matches for “{query}”.</Empty> : null}
      {data && data.search.hits.length > 0 ? (
        <ul className="flex flex-col gap-2" aria-label="Search results">
          {data.search.hits.map((hit) => (
            <li key={`${hit.kind}:${hit.id}`} className="rounded-md border border-border p-2 text-sm">
              <div className="flex items-center gap-2">
                <Badge>{hit.kind.toLowerCase()}</Badge>
                {hit.kind === 'EXPERIMENT' && hit.number != null ? (
                  <Link className="font-medium underline-offset-2 hover:underline" to={`/p/${encodeURIComponent(hit.project)}/e/${hit.number}`}>
                    #{hit.number} {hit.title}
                  </Link>
                ) : (
                  <span className="font-medium">{hit.title}</span>
                )}
              </div>
              {hit.snippets.map((snippet, i) => (
                <p key={i} className="mt-1 text-muted-foreground">
                  <span className="mr-1 text-xs uppercase">{snippet.field}:</span>
                  <Snippet html={snippet.html} />
                </p>
              ))}
            </li>
          ))}
        </ul>
      ) : null}
    </Card>
  );
}
