import { describe, expect, it } from 'vitest';
import { ApiError } from '@/lib/graphql';
import { POLICY_SERVER_FIELDS } from './capture-policy-form';
import { GENERAL_SERVER_FIELDS } from './general-form';
import { formErrors, placeServerError } from './server-errors';

const refusal = (field: string, reason: string) => new ApiError(`${field}: ${reason}`, 'VALIDATION', field);

describe('placeServerError', () => {
  it('puts a refusal under the field it names, without the field in the message', () => {
    expect(placeServerError(refusal('namingPattern', 'is not a valid regex: unclosed group'), GENERAL_SERVER_FIELDS)).toEqual({
      field: 'namingPattern',
      message: 'is not a valid regex: unclosed group',
    });
  });

  it('reads the settings prefix, nested names and list positions', () => {
    expect(placeServerError(refusal('settings.evidenceSupportThreshold', 'must be above 0'), GENERAL_SERVER_FIELDS)).toEqual({
      field: 'evidenceSupportThreshold',
      message: 'must be above 0',
    });
    expect(placeServerError(refusal('settings.environmentVariables[1]', '`-` is not allowed'), GENERAL_SERVER_FIELDS)).toEqual({
      field: 'environmentVariables',
      message: 'entry 2: `-` is not allowed',
    });
    expect(placeServerError(refusal('settings.featureDiff.ignoredPaths[0]', 'must not be empty'), GENERAL_SERVER_FIELDS)).toEqual({
      field: 'ignoredFeaturePaths',
      message: 'entry 1: must not be empty',
    });
  });

  it('reads snake-case names and glob positions', () => {
    expect(placeServerError(refusal('max_file_bytes', 'is 2, over max_experiment_bytes (1)'), POLICY_SERVER_FIELDS)).toEqual({
      field: 'maxFileBytes',
      message: 'is 2, over max_experiment_bytes (1)',
    });
    expect(placeServerError(refusal('include[2]', 'is not a valid glob: unclosed alternate group'), POLICY_SERVER_FIELDS)?.field).toBe('include');
  });

  it('places nothing without a field, for a field the form lacks, or for other errors', () => {
    expect(placeServerError(new ApiError('not allowed: admins only', 'FORBIDDEN'), GENERAL_SERVER_FIELDS)).toBeNull();
    expect(placeServerError(refusal('name', 'must be 1 to 100 characters'), GENERAL_SERVER_FIELDS)).toBeNull();
    expect(placeServerError(new Error('boom'), GENERAL_SERVER_FIELDS)).toBeNull();
  });

  it('keeps a message that does not start with the field as it is', () => {
    expect(placeServerError(new ApiError('bad pattern', 'VALIDATION', 'namingPattern'), GENERAL_SERVER_FIELDS)?.message).toBe('bad pattern');
  });
});

describe('formErrors', () => {
  it("adds the server's placed refusal to the browser's messages", () => {
    const local = { evidenceRefuteThreshold: 'must be a number' } as const;
    expect(formErrors(local, refusal('namingPattern', 'bad'), GENERAL_SERVER_FIELDS)).toEqual({
      errors: { evidenceRefuteThreshold: 'must be a number', namingPattern: 'bad' },
      unplaced: null,
    });
  });

  it('hands back an error no field takes, for the whole form', () => {
    const forbidden = new ApiError('not allowed', 'FORBIDDEN');
    expect(formErrors({}, forbidden, GENERAL_SERVER_FIELDS)).toEqual({ errors: {}, unplaced: forbidden });
    expect(formErrors({}, null, GENERAL_SERVER_FIELDS)).toEqual({ errors: {}, unplaced: null });
  });
});
