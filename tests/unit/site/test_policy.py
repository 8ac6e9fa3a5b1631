from types import SimpleNamespace

import pytest

from accounts import policy
from accounts.models import Role


def person(role=Role.RECRUIT, staff=False, active=True, authenticated=True):
    return SimpleNamespace(role=role, is_staff=staff, is_active=active, is_authenticated=authenticated)


@pytest.mark.parametrize(
    ("user", "trainer", "manager"),
    [
        (person(), False, False),
        (person(Role.TRAINER), True, False),
        (person(Role.MANAGER), False, True),
        (person(staff=True), True, True),
        (person(Role.TRAINER, active=False), False, False),
        (person(Role.MANAGER, authenticated=False), False, False),
    ],
)
def test_roles_grant_exactly_their_permissions(user, trainer, manager):
    assert policy.is_trainer(user) is trainer
    assert policy.is_manager(user) is manager
