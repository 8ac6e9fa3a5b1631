from django.db import transaction

from accounts.models import Role, RoleChange, User


def user_role_set(*, user: User, role: str, acting_user: User | None = None) -> User:
    """Give ``user`` a role and write the audit row in the same transaction."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(Role.values)}")
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.role != role:
            RoleChange.objects.create(user=user, old_role=user.role, new_role=role, acting_user=acting_user)
            user.role = role
            user.save(update_fields=["role"])
    return user
