import type { Role } from '@/lib/generated/graphql';
import type { ProjectMember } from '../api/members';
import type { Parsed } from './form-values';

export const roleName = (role: Role) => role.toLowerCase();

/**
 * Where a member's role comes from, in words: their own role on the project (which wins over
 * their teams'), else the teams that give the highest role.
 */
export function roleOrigin(member: ProjectMember): string {
  const teams = (list: ProjectMember['teams']) => list.map((t) => `team ${t.team} (${roleName(t.role)})`).join(', ');
  if (member.overrideRole) {
    return member.teams.length > 0 ? `own role, over ${teams(member.teams)}` : 'own role';
  }
  const giving = member.teams.filter((t) => t.role === member.role);
  return teams(giving.length > 0 ? giving : member.teams);
}

/** What removing a member's own role leaves them: their teams' role, or no access at all. */
export function removalText(member: ProjectMember): string {
  return member.teams.length > 0 ? 'Remove own role' : 'Remove from project';
}

/** A member to add as the form holds them: a user id (typed, or picked by site admins) and a role. */
export interface NewMemberForm {
  userId: string;
  role: Role;
}

export const NEW_MEMBER: NewMemberForm = { userId: '', role: 'RESEARCHER' };

/** `setProjectRole`'s variables for a new member; the server says whether the user exists. */
export function newMemberInput(form: NewMemberForm): Parsed<{ userId: string; role: Role }, keyof NewMemberForm> {
  const userId = form.userId.trim();
  if (userId === '') return { ok: false, errors: { userId: 'choose a user' } };
  return { ok: true, input: { userId, role: form.role } };
}
