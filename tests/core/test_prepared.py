"""A query compiled once serves every later value with that value's own rows."""

import pytest

from shequ.core.pii import PIIValue
from shequ.core.prepared import PreparedQuery
from shequ.notices.services import message_send
from shequ.people.models import User
from shequ.people.selectors import user_for_request
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_each_user_is_read_with_their_own_answers_and_sealed_phone() -> None:
    alice = make_user("alice_prepared", phone="13800000001")
    bob = make_user("bob_prepared", phone="13800000002")
    for title in ("一", "二"):
        message_send(user_id=bob.pk, category="system", title=title)

    read_alice = user_for_request(alice.pk)
    read_bob = user_for_request(bob.pk)

    assert read_alice is not None
    assert read_bob is not None
    assert (read_alice.username, read_bob.username) == ("alice_prepared", "bob_prepared")
    assert (read_alice.unread_messages_at_load, read_bob.unread_messages_at_load) == (0, 2)  # type: ignore[attr-defined]
    assert not read_alice.holds_staff_roles  # type: ignore[attr-defined]
    # The field converters run: the phone comes back sealed, and unseals to the number.
    assert isinstance(read_bob.phone, PIIValue)
    assert read_bob.phone.reveal() == "13800000002"
    assert user_for_request(10**9) is None
    assert user_for_request("not-a-number") is None


def test_a_query_that_ignores_its_value_is_refused() -> None:
    everyone = PreparedQuery(lambda _value: User.objects.all())
    with pytest.raises(ValueError, match="filter on its argument"):
        everyone.run(1)
