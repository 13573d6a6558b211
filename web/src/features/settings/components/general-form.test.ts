import { describe, expect, it } from 'vitest';
import { generalFormOf, updateProjectInput } from './general-form';
import { SAVED_SETTINGS } from './test-fixtures';

const saved = SAVED_SETTINGS;

describe('updateProjectInput', () => {
  it('sends nothing for the saved settings', () => {
    expect(updateProjectInput(saved, generalFormOf(saved))).toEqual({ ok: true, input: {} });
  });

  it('sends only the fields that changed', () => {
    const form = { ...generalFormOf(saved), namingPattern: '^(?P<number>\\d+)_.+$', missingParentMakesRoot: true };
    expect(updateProjectInput(saved, form)).toEqual({
      ok: true,
      input: { namingPattern: '^(?P<number>\\d+)_.+$', missingParentMakesRoot: true },
    });
  });

  it('reads the lists one entry a line, and a reformatted but equal list is no change', () => {
    const same = { ...generalFormOf(saved), environmentVariables: '  CUDA_*\n\nOMP_NUM_THREADS\n' };
    expect(updateProjectInput(saved, same)).toEqual({ ok: true, input: {} });
    const changed = { ...generalFormOf(saved), ignoredFeaturePaths: 'seed\nlogging.level', environmentVariables: '' };
    expect(updateProjectInput(saved, changed)).toEqual({
      ok: true,
      input: { ignoredFeaturePaths: ['seed', 'logging.level'], environmentVariables: [] },
    });
  });

  it('sends a threshold only when its number changed', () => {
    expect(updateProjectInput(saved, { ...generalFormOf(saved), evidenceSupportThreshold: '3.0' })).toEqual({ ok: true, input: {} });
    expect(updateProjectInput(saved, { ...generalFormOf(saved), evidenceRefuteThreshold: ' 2.5' })).toEqual({
      ok: true,
      input: { evidenceRefuteThreshold: 2.5 },
    });
  });

  it('names the thresholds that are not numbers instead of sending anything', () => {
    const form = { ...generalFormOf(saved), description: 'new', evidenceSupportThreshold: 'high', evidenceRefuteThreshold: '' };
    expect(updateProjectInput(saved, form)).toEqual({
      ok: false,
      errors: { evidenceSupportThreshold: 'must be a number', evidenceRefuteThreshold: 'must be a number' },
    });
  });

  it('leaves range checks (a threshold above 0) to the server', () => {
    expect(updateProjectInput(saved, { ...generalFormOf(saved), evidenceSupportThreshold: '-1' })).toEqual({
      ok: true,
      input: { evidenceSupportThreshold: -1 },
    });
  });
});
