"""The staff queue over the API: one step on many applications at once."""

from django.test import Client

from shequ.casework.models import Application, Status
from shequ.casework.services.applications import application_submit
from shequ.catalogue.models import Service
from shequ.people.models import User
from tests.casework.conftest import pdf, png, residence_answers


def test_bulk_accept_on_the_queue_is_reachable(
    client: Client, applicant: User, police: User, residence_permit: Service
) -> None:
    # given two submitted applications in the police's queue
    submitted = [
        application_submit(
            actor=applicant,
            service_id=residence_permit.pk,
            data=residence_answers(),
            files={"photo": png(), "proof": pdf()},
        )
        for _ in range(2)
    ]
    ids = [application.pk for application in submitted]
    client.force_login(police)
    # when the police accept both, and an unknown one, in one request
    response = client.post(
        "/api/v1/casework/queue/bulk",
        {"ids": [*ids, 987654], "action": "accept"},
        content_type="application/json",
    )
    # then the two are accepted and the unknown one is refused on its own
    assert response.status_code == 200
    body = response.json()
    assert body["done"] == ids
    assert list(body["refused"]) == ["987654"]
    assert set(Application.objects.values_list("status", flat=True)) == {Status.ACCEPTED}
