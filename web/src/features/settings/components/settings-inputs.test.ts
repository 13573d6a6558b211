import { describe, expect, it } from 'vitest';
import type { ProjectMember } from '../api/members';
import { capturePolicyInput, NEW_POLICY, policyFormOf } from './capture-policy-form';
import { newMemberInput, removalText, roleOrigin } from './member-roles';
import { metricConfigInput, metricFormOf, NEW_METRIC } from './metric-config-form';

describe('metricConfigInput', () => {
  it('trims the name and makes a blank expression a logged metric', () => {
    expect(metricConfigInput({ ...NEW_METRIC, name: ' f1 ', expression: '  ' })).toEqual({
      ok: true,
      input: { name: 'f1', direction: 'MAXIMIZE', aggregation: 'LAST', expression: null },
    });
  });

  it('keeps a derived expression and refuses an empty name', () => {
    const form = { name: 'error', direction: 'MINIMIZE' as const, aggregation: 'BEST' as const, expression: ' 1 - accuracy ' };
    expect(metricConfigInput(form)).toEqual({ ok: true, input: { ...form, expression: '1 - accuracy' } });
    expect(metricConfigInput(NEW_METRIC)).toEqual({ ok: false, errors: { name: 'must not be empty' } });
  });

  it('edits a stored metric as it is', () => {
    const stored = { name: 'loss', direction: 'MINIMIZE' as const, aggregation: 'LAST' as const, expression: null };
    expect(metricConfigInput(metricFormOf(stored))).toEqual({ ok: true, input: stored });
  });
});

describe('capturePolicyInput', () => {
  it('reads globs one a line and sizes with units', () => {
    const form = { name: 'small', include: 'src/**\n**/*.{py,yaml}\n', exclude: '', maxFileBytes: '10 MiB', maxExperimentBytes: '1 GB' };
    expect(capturePolicyInput(form)).toEqual({
      ok: true,
      input: { name: 'small', include: ['src/**', '**/*.{py,yaml}'], exclude: [], maxFileBytes: 10 * 2 ** 20, maxExperimentBytes: 1e9 },
    });
  });

  it('names every field it cannot send', () => {
    expect(capturePolicyInput({ ...NEW_POLICY, maxFileBytes: 'big' })).toEqual({
      ok: false,
      errors: { name: 'must not be empty', maxFileBytes: 'must be a size such as 1048576, 500 MB or 1 GiB' },
    });
  });

  it('round-trips a stored policy', () => {
    const stored = { name: 'project-default', include: ['**'], exclude: ['**/*.tmp'], maxFileBytes: 2 ** 30, maxExperimentBytes: 20 * 2 ** 30 };
    expect(policyFormOf(stored).maxExperimentBytes).toBe('20 GiB');
    expect(capturePolicyInput(policyFormOf(stored))).toEqual({ ok: true, input: stored });
  });
});

describe('members', () => {
  const member = (over: Partial<ProjectMember>): ProjectMember => ({
    person: { id: 'u1', displayName: 'Ada' },
    role: 'RESEARCHER',
    teams: [],
    overrideRole: null,
    ...over,
  });

  it('says where the role that counts comes from', () => {
    expect(roleOrigin(member({ overrideRole: 'ADMIN', role: 'ADMIN' }))).toBe('own role');
    expect(roleOrigin(member({ overrideRole: 'VIEWER', role: 'VIEWER', teams: [{ team: 'ml', role: 'ADMIN' }] }))).toBe(
      'own role, over team ml (admin)',
    );
    const teams = [
      { team: 'cv', role: 'VIEWER' as const },
      { team: 'ml', role: 'RESEARCHER' as const },
    ];
    expect(roleOrigin(member({ teams }))).toBe('team ml (researcher)');
  });

  it('says what removing the own role does', () => {
    expect(removalText(member({ overrideRole: 'ADMIN' }))).toBe('Remove from project');
    expect(removalText(member({ overrideRole: 'ADMIN', teams: [{ team: 'ml', role: 'VIEWER' }] }))).toBe('Remove own role');
  });

  it('needs a user to add', () => {
    expect(newMemberInput({ userId: '  ', role: 'VIEWER' })).toEqual({ ok: false, errors: { userId: 'choose a user' } });
    expect(newMemberInput({ userId: ' u2 ', role: 'ADMIN' })).toEqual({ ok: true, input: { userId: 'u2', role: 'ADMIN' } });
  });
});
