"""材料复用: a material uploaded with one application is picked, not uploaded again, in the next."""

from django.test import Client

from shequ.casework.models import Application
from shequ.casework.services.applications import application_submit
from tests.documents.conftest import pdf, png, residence_answers
from tests.factories import NIJIAQIAO, make_resident, make_user


def _first_application(applicant, service) -> Application:
    return application_submit(
        actor=applicant,
        service_id=service.pk,
        data=residence_answers(),
        files={"photo": png("me.png"), "proof": pdf("lease.pdf")},
    )


def test_the_form_offers_earlier_materials_and_copies_the_picked_ones(
    client: Client, applicant, residence_permit
) -> None:
    first = _first_application(applicant, residence_permit)
    photo = first.documents.get(slot="photo")
    proof = first.documents.get(slot="proof")
    client.force_login(applicant)
    page = client.get(f"/casework/apply/{residence_permit.pk}/").content.decode()
    assert "使用已有材料" in page
    assert "me.png" in page
    assert "lease.pdf" in page
    response = client.post(
        f"/casework/apply/{residence_permit.pk}/",
        {**residence_answers(), "reuse_photo": photo.pk, "reuse_proof": proof.pk},
    )
    assert response.status_code == 302
    second = Application.objects.exclude(pk=first.pk).get()
    copied = second.documents.get(slot="proof")
    assert copied.original_name == "lease.pdf"
    assert copied.file.name != proof.file.name
    assert copied.file.read() == proof.file.read()
    assert second.documents.filter(slot="photo").exists()


def test_another_residents_material_cannot_be_picked(
    client: Client, applicant, residence_permit
) -> None:
    first = _first_application(applicant, residence_permit)
    other = make_user("neighbour")
    make_resident(NIJIAQIAO, user=other, name="王五")
    client.force_login(other)
    assert (
        "使用已有材料" not in client.get(f"/casework/apply/{residence_permit.pk}/").content.decode()
    )
    response = client.post(
        f"/casework/apply/{residence_permit.pk}/",
        {
            **residence_answers(),
            "reuse_photo": first.documents.get(slot="photo").pk,
            "reuse_proof": "abc",
        },
    )
    assert response.status_code == 400
    assert "所选材料不是您本人已上传的该项材料" in response.content.decode()
    assert Application.objects.count() == 1


def test_a_new_upload_wins_over_a_picked_material(
    client: Client, applicant, residence_permit
) -> None:
    first = _first_application(applicant, residence_permit)
    client.force_login(applicant)
    client.post(
        f"/casework/apply/{residence_permit.pk}/",
        {
            **residence_answers(),
            "reuse_photo": first.documents.get(slot="photo").pk,
            "photo": png("new.png"),
            "proof": pdf("new.pdf"),
        },
    )
    second = Application.objects.exclude(pk=first.pk).get()
    assert set(second.documents.values_list("original_name", flat=True)) == {"new.png", "new.pdf"}
