import { useState, type FormEvent } from 'react';
import { ErrorState, Loading } from '@/components/states';
import { Button } from '@/components/ui/button';
import { Card, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { useAsk } from '../api/ask';
import { AnswerView } from './answer-view';

export function AskBox({ project }: { project: string }) {
  const [text, setText] = useState('');
  const [question, setQuestion] = useState('');
  const { data, error, isFetching } = useAsk({ project, question });
  const ask = (q: string) => {
    setText(q);
    setQuestion(q.trim());
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    ask(text);
  };
  return (
    <Card>
      <CardTitle>Ask a question</CardTitle>
      <form onSubmit={onSubmit} className="mb-3 flex gap-2">
        <Input
          aria-label="Question about this project"
          placeholder="e.g. best run by accuracy, which runs are planned"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Button type="submit" variant="outline">
          Ask
        </Button>
      </form>
      {question && isFetching ? <Loading what="Thinking" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data ? <AnswerView answer={data.ask} onAsk={ask} /> : null}
    </Card>
  );
}
