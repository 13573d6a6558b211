import { fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import type { Answer } from '../api/ask';
import { AnswerView } from './answer-view';

const answer = (over: Partial<Answer>): Answer => ({
  answered: true,
  sentence: 'Run #3 has the best accuracy (0.91).',
  columns: ['number', 'name', 'accuracy'],
  rows: [[3, 'wide', 0.91]],
  interpretation: { intent: 'best_run', description: 'best run by accuracy', notes: ['accuracy: maximize, last value'] },
  cypher: [{ name: 'best', text: 'MATCH (e:Experiment) RETURN e.number LIMIT $n', parameters: { n: 1 }, rows: 1 }],
  suggestions: [],
  ...over,
});

describe('AnswerView', () => {
  it('shows the sentence, the rows under their columns and the notes', () => {
    render(<AnswerView answer={answer({})} onAsk={() => {}} />);
    expect(screen.getByTestId('answer-sentence')).toHaveTextContent('best accuracy');
    expect(screen.getByRole('columnheader', { name: 'accuracy' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: '0.91' })).toBeInTheDocument();
    expect(screen.getByText('accuracy: maximize, last value')).toBeInTheDocument();
  });

  it('folds the Cypher away until opened, then shows text and parameters as text', () => {
    render(<AnswerView answer={answer({})} onAsk={() => {}} />);
    expect(screen.queryByTestId('cypher')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /Cypher \(1 statement\)/ }));
    expect(screen.getByTestId('cypher')).toHaveTextContent('MATCH (e:Experiment) RETURN e.number LIMIT $n');
    expect(screen.getByTestId('cypher')).toHaveTextContent('{"n":1}');
  });

  it('offers suggestions as chips when not answered', () => {
    const onAsk = vi.fn();
    render(
      <AnswerView
        answer={answer({ answered: false, sentence: 'I did not understand.', rows: [], cypher: [], suggestions: ['which runs are planned'] })}
        onAsk={onAsk}
      />,
    );
    expect(screen.queryByRole('table')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'which runs are planned' }));
    expect(onAsk).toHaveBeenCalledWith('which runs are planned');
  });
});
