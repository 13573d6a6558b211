import { describe, expect, it } from 'vitest';
import { cellText, mediaKind, parseCsv, readJsonTable } from './media';

describe('mediaKind', () => {
  it('shows images, audio, video, CSV, logged tables and text inline', () => {
    expect(mediaKind('image/png', 'media/samples/00000000.png')).toBe('image');
    expect(mediaKind('image/gif', 'media/frames/00000000.gif')).toBe('image');
    expect(mediaKind('audio/wav', 'media/tone/00000000.wav')).toBe('audio');
    expect(mediaKind('video/mp4', 'run.mp4')).toBe('video');
    expect(mediaKind('text/csv', 'results.csv')).toBe('csv');
    expect(mediaKind('application/octet-stream', 'RESULTS.CSV')).toBe('csv');
    expect(mediaKind('application/json', 'tables/confusion/00000000.json')).toBe('table');
    expect(mediaKind('text/plain; charset=utf-8', 'text/notes/00000000.txt')).toBe('text');
  });

  it('shows other JSON and HTML as text, and nothing for binaries', () => {
    expect(mediaKind('application/json', 'config.json')).toBe('text');
    expect(mediaKind('text/html', 'report.html')).toBe('text');
    expect(mediaKind('application/octet-stream', 'model.pt')).toBeNull();
  });
});

describe('parseCsv', () => {
  it('reads a header and rows', () => {
    expect(parseCsv('epoch,loss\n1,0.5\n2,0.25\n')).toEqual({
      columns: ['epoch', 'loss'],
      rows: [
        ['1', '0.5'],
        ['2', '0.25'],
      ],
      omitted: 0,
    });
  });

  it('keeps commas, line breaks and doubled quotes inside quoted fields; CRLF ends a line', () => {
    const table = parseCsv('name,note\r\n"a, b","said ""hi""\nthen left"\r\nc,\r\n');
    expect(table.rows).toEqual([
      ['a, b', 'said "hi"\nthen left'],
      ['c', ''],
    ]);
  });

  it('pads short records, drops a byte-order mark, reads a last line without a break', () => {
    expect(parseCsv('\ufeffa,b,c\n1\n2,3')).toEqual({
      columns: ['a', 'b', 'c'],
      rows: [
        ['1', '', ''],
        ['2', '3', ''],
      ],
      omitted: 0,
    });
  });

  it('stops at maxRows and says how many rows it left out', () => {
    const table = parseCsv('x\n1\n2\n3\n4\n', 2);
    expect(table.rows).toEqual([['1'], ['2']]);
    expect(table.omitted).toBe(2);
  });

  it('reads an empty file as an empty table', () => {
    expect(parseCsv('')).toEqual({ columns: [], rows: [], omitted: 0 });
  });
});

describe('readJsonTable', () => {
  it('reads the SDK table document', () => {
    expect(readJsonTable('{"columns":["class","recall"],"rows":[["cat",0.9],["dog",null]]}')).toEqual({
      columns: ['class', 'recall'],
      rows: [
        ['cat', 0.9],
        ['dog', null],
      ],
      omitted: 0,
    });
  });

  it('is null for other JSON', () => {
    expect(readJsonTable('[1, 2]')).toBeNull();
    expect(readJsonTable('{"columns": ["a"], "rows": [1]}')).toBeNull();
    expect(readJsonTable('not json')).toBeNull();
  });

  it('shows cells as text', () => {
    expect([cellText('cat'), cellText(0.9), cellText(null), cellText('NaN'), cellText([1])]).toEqual(['cat', '0.9', '', 'NaN', '[1]']);
  });
});
