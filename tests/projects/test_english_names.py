"""Project types and actions of the five major actions in English on English pages."""

from django.test import Client

from shequ.core.models import AuditEvent
from shequ.people.models import User
from shequ.projects.models import Project, ProjectType

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_public_project_pages_name_the_type_in_english(project: Project) -> None:
    english = Client().get("/projects/", **EN).content.decode()
    assert "Shanty town redevelopment" in english
    assert "Wuhou" in english  # the district
    page = Client().get(f"/projects/{project.code}/", **EN).content.decode()
    assert "Old urban area renewal › Shanty town redevelopment" in page
    chinese = Client().get(f"/projects/{project.code}/", **ZH).content.decode()
    assert "老旧城区改造 › 棚户区改造" in chinese
    assert "Shanty town" not in chinese
    row = Client().get("/api/v1/projects").json()["items"][0]
    assert row["type_name"] == "棚户区改造"
    assert row["type_name_en"] == "Shanty town redevelopment"


def test_a_type_without_an_english_name_keeps_its_chinese_one(project: Project) -> None:
    ProjectType.objects.filter(code="shanty-town").update(name_en="")
    page = Client().get(f"/projects/{project.code}/", **EN).content.decode()
    assert "Old urban area renewal › 棚户区改造" in page


def test_committee_names_a_type_in_english(client: Client, committee: User) -> None:
    client.force_login(committee)
    assert 'name="name_en"' in client.get("/console/projects/taxonomy/").content.decode()
    response = client.post(
        "/console/projects/taxonomy/",
        {
            "code": "pocket-park",
            "name": "小游园·微绿地",
            "name_en": "Pocket park",
            "action": "back-alley",
            "report_label": "小游园·微绿地",
            "unit": "个",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert ProjectType.objects.get(code="pocket-park").name_en == "Pocket park"
    event = AuditEvent.objects.filter(verb="project_type.save").latest("pk")
    assert event.changes["name_en"] == ["Pocket parks and micro green spaces", "Pocket park"]
