import { useState } from 'react';
import { Empty, ErrorState, Loading } from '@/components/states';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Input, Select } from '@/components/ui/input';
import type { Role } from '@/lib/generated/graphql';
import { type ProjectMember, ROLES, useMe, useProjectMembers, useSetProjectRole, useUsers } from '../api/members';
import { Field } from './field';
import { NEW_MEMBER, newMemberInput, removalText, roleName, roleOrigin } from './member-roles';
import { EditorForm } from './named-settings';
import { useSettingsForm } from './settings-form';
import { Cell, SettingsTable } from './settings-table';

const RoleOptions = () =>
  ROLES.map((role) => (
    <option key={role} value={role}>
      {roleName(role)}
    </option>
  ));

/**
 * Everyone with a role on the project: the role that counts and where it comes from; an admin
 * sets or removes a member's own role (which wins over their teams') and adds members.
 */
export function Members({ project, editable }: { project: string; editable: boolean }) {
  const { data, error, isPending } = useProjectMembers({ project });
  const me = useMe();
  const setRole = useSetProjectRole(project);
  const myId = me.data?.me.id;
  return (
    <div className="flex flex-col gap-3">
      {isPending ? <Loading what="Loading the members" /> : null}
      {error ? <ErrorState error={error} /> : null}
      {data && data.projectMembers.length === 0 ? <Empty>No one has a role on this project yet.</Empty> : null}
      {data && data.projectMembers.length > 0 ? (
        <SettingsTable label="Members" columns={['Member', 'Role', 'From', 'Own role']}>
          {data.projectMembers.map((member) => (
            <MemberRow
              // A changed own role re-reads the row's choice from the server.
              key={`${member.person.id}:${member.overrideRole ?? ''}`}
              member={member}
              isMe={member.person.id === myId}
              editable={editable}
              busy={setRole.isPending}
              onSetRole={(role) => setRole.mutate({ userId: member.person.id, role })}
            />
          ))}
        </SettingsTable>
      ) : null}
      {setRole.error ? <ErrorState error={setRole.error} /> : null}
      <AddMember project={project} editable={editable} siteAdmin={me.data?.me.siteAdmin ?? false} />
    </div>
  );
}

function MemberRow({
  member,
  isMe,
  editable,
  busy,
  onSetRole,
}: {
  member: ProjectMember;
  isMe: boolean;
  editable: boolean;
  busy: boolean;
  onSetRole: (role: Role | null) => void;
}) {
  const name = member.person.displayName;
  const [role, setRole] = useState<Role>(member.overrideRole ?? member.role);
  return (
    <tr className="border-b border-border" data-testid="member-row" data-id={member.person.id} data-name={name}>
      <Cell>
        {name}
        {isMe ? <span className="text-muted-foreground"> (you)</span> : null}
        <div className="font-mono text-xs text-muted-foreground">{member.person.id}</div>
      </Cell>
      <Cell>
        <Badge data-testid="member-role" data-role={member.role}>
          {roleName(member.role)}
        </Badge>
      </Cell>
      <Cell className="text-muted-foreground">{roleOrigin(member)}</Cell>
      <Cell>
        <Select aria-label={`Own role of ${name}`} disabled={!editable} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          <RoleOptions />
        </Select>
      </Cell>
      <td className="py-2 align-top">
        <div className="flex justify-end gap-2">
          <Button
            size="sm"
            variant="outline"
            disabled={!editable || busy || role === member.overrideRole}
            onClick={() => onSetRole(role)}
            aria-label={`Set the role of ${name}`}
          >
            Set role
          </Button>
          {member.overrideRole ? (
            <Button size="sm" variant="outline" disabled={!editable || busy} onClick={() => onSetRole(null)} aria-label={`${removalText(member)}: ${name}`}>
              {removalText(member)}
            </Button>
          ) : null}
        </div>
      </td>
    </tr>
  );
}

/** Gives a user a role on the project: site admins pick from every user, others type the user's id. */
function AddMember({ project, editable, siteAdmin }: { project: string; editable: boolean; siteAdmin: boolean }) {
  const mutation = useSetProjectRole(project);
  const users = useUsers(siteAdmin && editable);
  const { form, setForm, bind, errors, unplaced, submit } = useSettingsForm(() => NEW_MEMBER, mutation, { userId: 'userId', role: 'role' });
  const activeUsers = users.data?.users.filter((user) => !user.disabled) ?? [];
  return (
    <EditorForm
      title="Add a member"
      submitText="Add member"
      editable={editable}
      editing={false}
      busy={mutation.isPending}
      unplaced={unplaced ?? users.error}
      gridClassName="md:grid-cols-3"
      onSubmit={() => submit(newMemberInput(form), () => setForm(NEW_MEMBER))}
    >
      {siteAdmin ? (
        <Field name="userId" label="User" error={errors.userId}>
          {(control) => (
            <Select {...control} {...bind('userId')}>
              <option value="">{users.isPending ? 'Loading the users…' : 'Choose a user…'}</option>
              {activeUsers.map((user) => (
                <option key={user.id} value={user.id}>
                  {user.displayName} ({user.email})
                </option>
              ))}
            </Select>
          )}
        </Field>
      ) : (
        <Field name="userId" label="User id" error={errors.userId} hint="The id of the user's account; a site admin can look it up.">
          {(control) => (
            <Input {...control} className="font-mono" spellCheck={false} {...bind('userId')} />
          )}
        </Field>
      )}
      <Field name="role" label="Role" error={errors.role}>
        {(control) => (
          <Select {...control} {...bind('role')}>
            <RoleOptions />
          </Select>
        )}
      </Field>
    </EditorForm>
  );
}
