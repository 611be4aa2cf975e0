"""/api/v1/civil: the public register of social organisations, calls with their score
breakdown, contracts with their tranches; registrars register organisations and grade them."""

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.civil import selectors
from shequ.civil.models import (
    Application,
    Call,
    Contract,
    Engagement,
    Evaluation,
    Lot,
    Organisation,
    Tranche,
)
from shequ.civil.services import applications, evaluations, registry, reviews
from shequ.civil.services.registry import OrganisationData
from shequ.civil.statistics import civil_statistics
from shequ.core.errors import NotFound
from shequ.core.services import client_ip
from shequ.sso.api_auth import API_AUTH

router = Router(tags=["civil"], auth=API_AUTH)


class CivilRatingOut(Schema):
    grade: str
    year: int
    expires_on: date


class CivilOrganisationOut(Schema):
    """An organisation as the public register shows it: the legal representative masked,
    no ID number, mobile or bank account."""

    id: int
    name: str
    credit_code: str | None
    kind: str
    fields: list[str]
    authority_code: str
    legal_representative: str
    status: str
    staff_count: int
    volunteer_count: int
    incubation: str
    service_area_codes: list[str]
    ratings: list[CivilRatingOut]

    @staticmethod
    def resolve_authority_code(obj: Organisation) -> str:
        return obj.authority_id

    @staticmethod
    def resolve_legal_representative(obj: Organisation) -> str:
        return str(obj.legal_rep_name or "")

    @staticmethod
    def resolve_service_area_codes(obj: Organisation) -> list[str]:
        return [d.code for d in obj.service_areas.all()]

    @staticmethod
    def resolve_ratings(obj: Organisation) -> list[CivilRatingOut]:
        return [
            CivilRatingOut(grade=r.get_grade_display(), year=r.year, expires_on=r.expires_on)
            for r in obj.ratings.all()
        ]


class CivilOrganisationIn(Schema):
    name: str
    kind: str
    credit_code: str = ""
    authority_code: str
    legal_rep_name: str
    legal_rep_id: str = ""
    legal_rep_phone: str = ""
    fields: list[str] = []
    service_area_codes: list[str] = []
    address: str = ""
    registered_on: date | None = None
    staff_count: int = 0
    volunteer_count: int = 0
    bank_name: str = ""
    bank_account: str = ""


class CivilRatingIn(Schema):
    grade: int
    year: int
    score: int | None = None


class CivilLotOut(Schema):
    id: int
    number: int
    name: str
    budget: Decimal


class CivilCallOut(Schema):
    id: int
    title: str
    kind: str
    division_code: str
    required_documents: list[str]
    lots: list[CivilLotOut]
    area_code: str | None
    field: str
    budget: Decimal
    max_award: Decimal
    stage: str
    opens_at: str
    closes_at: str

    @staticmethod
    def resolve_division_code(obj: Call) -> str:
        return obj.division_id

    @staticmethod
    def resolve_area_code(obj: Call) -> str | None:
        return obj.area_id

    @staticmethod
    def resolve_lots(obj: Call) -> list[Lot]:
        return list(obj.lots.all())

    @staticmethod
    def resolve_opens_at(obj: Call) -> str:
        return obj.opens_at.isoformat()

    @staticmethod
    def resolve_closes_at(obj: Call) -> str:
        return obj.closes_at.isoformat()


class CivilTrancheOut(Schema):
    number: int
    milestone: str
    amount: Decimal
    status: str
    people_served: int | None
    ledger_transaction_id: int | None

    @staticmethod
    def resolve_ledger_transaction_id(obj: Tranche) -> int | None:
        return obj.payment_transaction_id


class CivilEvaluationOut(Schema):
    id: int
    stage: str
    score: Decimal
    summary: str
    expert_name: str | None
    evaluator_id: int | None
    evaluated_on: date

    @staticmethod
    def resolve_expert_name(obj: Evaluation) -> str | None:
        return obj.expert.display_name if obj.expert else None


class CivilContractOut(Schema):
    id: int
    organisation_id: int
    title: str
    division_code: str
    amount: Decimal
    paid: Decimal
    signed_on: date
    ends_on: date
    tranches: list[CivilTrancheOut]
    evaluations: list[CivilEvaluationOut]

    @staticmethod
    def resolve_organisation_id(obj: Contract) -> int:
        return obj.application.organisation_id

    @staticmethod
    def resolve_title(obj: Contract) -> str:
        return obj.application.title

    @staticmethod
    def resolve_division_code(obj: Contract) -> str:
        return obj.division_id

    @staticmethod
    def resolve_tranches(obj: Contract) -> list[Tranche]:
        return list(obj.tranches.all())

    @staticmethod
    def resolve_evaluations(obj: Contract) -> list[Evaluation]:
        return list(obj.evaluations.all())


def _shown(organisation_id: int) -> Organisation:
    organisation = selectors.organisation_get_public(organisation_id)
    if organisation is None:
        raise NotFound("organisation_not_found", _("No such organisation."))
    return organisation


@router.get("/organisations", response=list[CivilOrganisationOut], auth=None)
@paginate
def list_organisations(
    request: HttpRequest, q: str = "", kind: str = "", field: str = ""
) -> object:
    """The public register (deregistered organisations left out)."""
    return selectors.organisation_list_public(q=q[:60], kind=kind, field=field)


@router.get("/organisations/{organisation_id}", response=CivilOrganisationOut, auth=None)
def get_organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    organisation = selectors.organisation_get_public(organisation_id)
    if organisation is None or organisation.status == Organisation.Status.DEREGISTERED:
        raise NotFound("organisation_not_found", _("No such organisation."))
    return organisation


@router.post("/organisations", response={201: CivilOrganisationOut})
def register_organisation(
    request: HttpRequest, payload: CivilOrganisationIn
) -> Status[Organisation]:
    """Register or file an organisation (civil-affairs staff of the authority's area)."""
    organisation = registry.organisation_register(
        actor=request.user, data=OrganisationData(**payload.dict()), ip=client_ip(request)
    )
    return Status(201, _shown(organisation.pk))


@router.post("/organisations/{organisation_id}/ratings", response={201: CivilOrganisationOut})
def grade_organisation(
    request: HttpRequest, organisation_id: int, payload: CivilRatingIn
) -> Status[Organisation]:
    """Record an assessment grade (5 = 5A … 1 = 1A)."""
    registry.rating_record(
        actor=request.user,
        organisation_id=organisation_id,
        grade=payload.grade,
        year=payload.year,
        score=payload.score,
        ip=client_ip(request),
    )
    return Status(201, _shown(organisation_id))


@router.get("/calls", response=list[CivilCallOut], auth=None)
@paginate
def list_calls(request: HttpRequest) -> object:
    return selectors.call_list_public()


@router.get("/contracts/{contract_id}", response=CivilContractOut, auth=None)
def get_contract(request: HttpRequest, contract_id: int) -> Contract:
    """A contract with its tranches and the ledger entries that paid them."""
    contract = selectors.contract_get_public(contract_id)
    if contract is None:
        raise NotFound("contract_not_found", _("No such contract."))
    return contract


class CivilBudgetLineIn(Schema):
    item: str
    amount: str


class CivilDraftIn(Schema):
    call_id: int
    organisation_id: int
    title: str
    summary: str = ""
    amount: str = "0"
    self_funding: str = "0"
    budget_lines: list[CivilBudgetLineIn] = []
    community_code: str = ""
    lot_id: int | None = None


class CivilApplicationOut(Schema):
    """An application as its organisation's accounts see it, with the checklist."""

    id: int
    call_id: int
    organisation_id: int
    lot_id: int | None
    title: str
    status: str
    amount: Decimal
    self_funding: Decimal
    documents: list[str]
    missing_documents: list[str]

    @staticmethod
    def resolve_documents(obj: Application) -> list[str]:
        return sorted(obj.documents.values_list("name", flat=True))

    @staticmethod
    def resolve_missing_documents(obj: Application) -> list[str]:
        return applications.missing_documents(
            obj.call, set(obj.documents.values_list("name", flat=True))
        )


def _draft_values(payload: CivilDraftIn) -> applications.Proposal:
    return applications.Proposal(
        title=payload.title,
        summary=payload.summary,
        amount=payload.amount,
        budget_lines=[line.dict() for line in payload.budget_lines],
        self_funding=payload.self_funding,
        community_code=payload.community_code,
        lot_id=payload.lot_id,
    )


@router.post("/applications", response={201: CivilApplicationOut})
def save_draft(request: HttpRequest, payload: CivilDraftIn) -> Status[Application]:
    """Save a draft application (an organisation's account); submit it with
    ``POST /applications/{id}/submit`` once the checklist's documents are attached."""
    draft = applications.draft_save(
        actor=request.user,
        call_id=payload.call_id,
        organisation_id=payload.organisation_id,
        proposal=_draft_values(payload),
        ip=client_ip(request),
    )
    return Status(201, draft)


@router.put("/applications/{application_id}", response=CivilApplicationOut)
def update_draft(request: HttpRequest, application_id: int, payload: CivilDraftIn) -> Application:
    """Change a draft (its organisation's accounts, before the deadline)."""
    return applications.draft_save(
        actor=request.user,
        call_id=payload.call_id,
        organisation_id=payload.organisation_id,
        proposal=_draft_values(payload),
        application_id=application_id,
        ip=client_ip(request),
    )


@router.post("/applications/{application_id}/documents", response={201: CivilApplicationOut})
def attach_document(
    request: HttpRequest, application_id: int, name: Form[str], file: File[UploadedFile]
) -> Status[Application]:
    """Attach one document of the call's checklist (multipart: ``name``, ``file``; PDF,
    Word, JPEG or PNG, checked by its content)."""
    document = applications.document_attach(
        actor=request.user,
        application_id=application_id,
        name=name,
        upload=file,
        ip=client_ip(request),
    )
    return Status(201, document.application)


@router.post("/applications/{application_id}/submit", response=CivilApplicationOut)
def submit_draft(request: HttpRequest, application_id: int) -> Application:
    """Submit a draft before the deadline; refused with the list of missing documents."""
    return applications.draft_submit(
        actor=request.user, application_id=application_id, ip=client_ip(request)
    )


class CivilEngagementIn(Schema):
    organisation_id: int
    kind: str
    started_on: date
    ended_on: date | None = None
    via_organisation_id: int | None = None
    note: str = ""


class CivilEngagementOut(Schema):
    id: int
    expert_id: int
    organisation_id: int
    kind: str
    via_id: int | None
    started_on: date
    ended_on: date | None


@router.post("/experts/{expert_id}/engagements", response={201: CivilEngagementOut})
def record_engagement(
    request: HttpRequest, expert_id: int, payload: CivilEngagementIn
) -> Status[Engagement]:
    """Record an expert's engagement with an organisation (employed, founder, paid, or paid
    through the expert's organisation): it recuses the expert from its applications."""
    engagement = reviews.engagement_record(
        actor=request.user, expert_id=expert_id, ip=client_ip(request), **payload.dict()
    )
    return Status(201, engagement)


@router.post("/contracts/{contract_id}/evaluations", response={201: CivilEvaluationOut})
def record_evaluation(
    request: HttpRequest,
    contract_id: int,
    stage: Form[str],
    score: Form[str],
    summary: Form[str],
    evaluated_on: Form[date],
    report: File[UploadedFile],
    expert_id: Form[int | None] = None,
    evaluator_id: Form[int | None] = None,
) -> Status[Evaluation]:
    """Record a mid-term or final evaluation (multipart, the report a PDF or Word file): by
    an expert of the pool (``expert_id``) or a third-party organisation (``evaluator_id``),
    never the contractor."""
    evaluation = evaluations.evaluation_record(
        actor=request.user,
        contract_id=contract_id,
        stage=stage,
        score=score,
        summary=summary,
        report=report,
        evaluated_on=evaluated_on,
        expert_id=expert_id,
        evaluator_id=evaluator_id,
        ip=client_ip(request),
    )
    return Status(201, evaluation)


class CivilDistrictStatOut(Schema):
    code: str
    name: str
    organisations: int
    population: int | None
    per_10k: float | None


class CivilMoneyOut(Schema):
    key: str
    label: str
    awarded: Decimal
    paid: Decimal


class CivilGradeOut(Schema):
    grade: str
    organisations: int


class CivilStatisticsOut(Schema):
    districts: list[CivilDistrictStatOut]
    grades: list[CivilGradeOut]
    ungraded: int
    by_field: list[CivilMoneyOut]
    by_district: list[CivilMoneyOut]


@router.get("/statistics", response=CivilStatisticsOut, auth=None)
def statistics(request: HttpRequest) -> dict[str, object]:
    """Organisations per 10,000 residents by district, valid grades, money awarded and paid
    per field of service and per district (public)."""
    stats = civil_statistics()
    return {
        "districts": stats.districts,
        "grades": [{"grade": g, "organisations": n} for g, n in stats.grades],
        "ungraded": stats.ungraded,
        "by_field": stats.by_field,
        "by_district": stats.by_district,
    }
