from django.db import transaction

from fazhan.accounts.models import RoleAssignment, User
from fazhan.auditlog.services import audit_record


@transaction.atomic
def user_create(
    *, actor, username: str, password: str, full_name: str = "", person=None, is_sysadmin: bool = False
) -> User:
    user = User(
        username=username, full_name=full_name, person=person, is_staff=is_sysadmin, is_superuser=is_sysadmin
    )
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action="user.create", target=user, data={"username": username})
    return user


@transaction.atomic
def role_assign(*, actor, user: User, role: str, org) -> RoleAssignment:
    assignment, created = RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    if created:
        audit_record(
            actor=actor,
            action="role.assign",
            target=assignment,
            org=org,
            data={"user": user.username, "role": role},
        )
    return assignment
