"""The caller's notice preferences over the API (/api/v1/notices/preferences)."""

import json

from django.test import Client

from shequ.notices.models import Preference
from tests.factories import make_user


def test_preferences_list_every_category_with_its_label_in_chinese(
    client: Client, db: None
) -> None:
    client.force_login(make_user("prefs"))
    response = client.get("/api/v1/notices/preferences")
    assert response.status_code == 200
    rows = response.json()
    assert rows
    assert all(isinstance(row["label"], str) and row["label"] for row in rows)
    assert not any(row["sms"] or row["email"] for row in rows)
    english = client.get("/api/v1/notices/preferences", headers={"Accept-Language": "en"}).json()
    assert [row["category"] for row in english] == [row["category"] for row in rows]
    assert [row["label"] for row in english] != [row["label"] for row in rows]


def test_setting_a_preference_answers_the_whole_table(client: Client, db: None) -> None:
    user = make_user("prefs2")
    client.force_login(user)
    category = client.get("/api/v1/notices/preferences").json()[0]["category"]
    response = client.put(
        "/api/v1/notices/preferences",
        data=json.dumps({"category": category, "sms": True}),
        content_type="application/json",
    )
    assert response.status_code == 200
    row = next(r for r in response.json() if r["category"] == category)
    assert (row["sms"], row["email"]) == (True, False)
    assert Preference.objects.get(user=user, category=category).sms
