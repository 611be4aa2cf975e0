"""An export written by a worker to the object store, handed to the officer who asked only."""

from typing import Any
from urllib.parse import parse_qs, urlsplit
from urllib.request import urlopen

from django.test import Client
from django.urls import reverse

from shequ.core.models import TaskRecord
from shequ.core.scopes import Role
from shequ.people.models import User
from tests.factories import CITY, make_staff
from tests.object_store import PRIVATE_BUCKET
from tests.surveys.test_export_tasks import _answer_one


def test_an_export_is_read_by_its_officer_through_a_signed_link(
    client: Client,
    committee: User,
    sampled: dict[str, Any],
    on_object_store: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given an officer's export written by the task worker to the private bucket
    _answer_one(client, sampled)
    client.force_login(committee)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("surveys_console:export", args=[sampled["survey"].pk]), {"format": "csv"}
        )
    record = TaskRecord.objects.get(task_path__endswith="responses_export")
    assert record.status == TaskRecord.Status.SUCCESSFUL, record.error

    # when they download it, they follow a presigned link and get the file
    download = client.get(reverse("surveys_console:download", args=[record.pk]))
    assert download.status_code == 302
    link = urlsplit(download["Location"])
    assert link.path == f"/{PRIVATE_BUCKET}/survey-exports/{record.pk}.csv"
    assert "X-Amz-Signature" in parse_qs(link.query)
    with urlopen(download["Location"]) as fetched:  # noqa: S310 - the local test server
        assert "attachment" in fetched.headers["Content-Disposition"]
        assert "非常满意" in fetched.read().decode("utf-8-sig")

    # then another officer of the same rank gets nothing
    client.force_login(make_staff("committee2", Role.CITY_COMMITTEE, CITY))
    refused = client.get(reverse("surveys_console:download", args=[record.pk]))
    assert refused.status_code == 404
    assert "Location" not in refused
