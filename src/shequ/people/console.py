"""Staff pages for residents: the list of an area, one resident, verify, reveal."""

from typing import cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shequ.core.digits import int_or_none
from shequ.core.errors import DomainError, NotFound
from shequ.core.forms import add_domain_error, form_status, submit
from shequ.core.searches import search_label, search_recall, search_stash
from shequ.core.services import client_ip
from shequ.people.forms import (
    AreaPickerForm,
    DepartmentForm,
    DepartmentRenameForm,
    RevealForm,
    StaffAccountForm,
    TwoFactorResetForm,
    VerifyInPersonForm,
)
from shequ.people.models import User, VerificationLevel
from shequ.people.permissions import (
    can_manage_roles,
    can_reveal_pii,
    can_verify_resident,
    staff_required,
)
from shequ.people.selectors import (
    department_get_for,
    department_list_for,
    resident_get_for,
    resident_list_for,
    staff_account_get_for,
    staff_account_list_for,
)
from shequ.people.services.departments import department_create, department_rename
from shequ.people.services.departments import department_set_active as department_set_active_service
from shequ.people.services.residents import (
    resident_detail_view_record,
    resident_list_view_record,
    resident_reveal_pii,
    resident_verify_in_person,
)
from shequ.people.services.staff import (
    staff_account_create,
    staff_account_deactivate,
    staff_password_reset_send,
    staff_role_grant,
    staff_role_revoke,
)
from shequ.people.services.two_factor import two_factor_reset
from shequ.people.views import password_set_link_builder
from shequ.places.selectors import division_get
from shequ.web.confirmations import confirmation_page
from shequ.web.pickers import bind_pickers

PAGE_SIZE = 50


@staff_required
@require_http_methods(["GET", "POST"])
def resident_list(request: HttpRequest) -> HttpResponse:
    """The residents of an area. A search (name, full ID number or mobile) is posted, kept in
    the session and named in the results' address by a token only, never by its text."""
    source = request.POST if request.method == "POST" else request.GET
    code = source.get("division", "")
    level_raw = source.get("level", "")
    if request.method == "POST":
        params = {"division": code, "level": level_raw}
        query = request.POST.get("q", "").strip()[:40]
        if query:
            params["search"] = search_stash(request, query)
        kept = urlencode({key: value for key, value in params.items() if value})
        url = reverse("console:resident_list")
        return redirect(f"{url}?{kept}" if kept else url)
    if "q" in request.GET:
        # An old link or a hand-typed address: drop the text so the page, its links and the
        # language switch do not carry it on.
        messages.warning(
            request,
            _("Searches are typed into the search box: a search in the address is ignored."),
        )
        rest = request.GET.copy()
        del rest["q"]
        return redirect(f"{reverse('console:resident_list')}?{rest.urlencode()}")
    division = division_get(code) if code else None
    level = int_or_none(request.GET.get("level", ""))
    token = request.GET.get("search", "")
    query = (search_recall(request, token) if token else "") or ""
    if token and not query:
        messages.info(request, _("That search has expired. Please search again."))
    residents = resident_list_for(
        request.user, division_code=code or None, query=query, level=level
    )
    page = Paginator(residents, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = search_label(query)
    resident_list_view_record(
        actor=cast(User, request.user),
        division_code=division.code if division else "",
        level=level,
        search_kind=("number" if shown != query else "name") if query else "",
        page=page.number,
        shown=len(page.object_list),
        ip=client_ip(request),
    )
    return render(
        request,
        "people/console/resident_list.html",
        {
            "page": page,
            "division": division,
            # a name stays in the box to refine; a number is only ever shown masked
            "query": query if shown == query else "",
            "query_label": shown,
            "level": level,
            "levels": VerificationLevel.choices,
        },
    )


@staff_required
def resident_detail(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = resident_get_for(request.user, resident_id)
    resident_detail_view_record(
        actor=cast(User, request.user), resident=resident, ip=client_ip(request)
    )
    return render(
        request,
        "people/console/resident_detail.html",
        {
            "resident": resident,
            "reveal_form": RevealForm(),
            "verify_form": VerifyInPersonForm(),
            "may_reveal": can_reveal_pii(request.user, resident),
            "may_verify": can_verify_resident(request.user, resident)
            and resident.verification_level < VerificationLevel.IN_PERSON,
        },
    )


@staff_required
@require_POST
def resident_verify(request: HttpRequest, resident_id: int) -> HttpResponse:
    form = VerifyInPersonForm(request.POST)
    note = form.data.get("note", "")
    try:
        resident_verify_in_person(
            actor=cast(User, request.user),
            resident_id=resident_id,
            note=str(note),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The resident is now verified in person."))
    return redirect("console:resident_detail", resident_id=resident_id)


@staff_required
@require_POST
def resident_reveal(request: HttpRequest, resident_id: int) -> HttpResponse:
    """htmx: returns a fragment with the full value, or the form with its error."""
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        try:
            revealed = resident_reveal_pii(
                actor=cast(User, request.user),
                resident_id=resident_id,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                ip=client_ip(request),
            )
        except NotFound:
            raise
        except DomainError as error:
            add_domain_error(form, error)
            status = error.status
            return render(
                request,
                "people/console/_reveal.html",
                {"form": form, "resident_id": resident_id},
                status=status,
            )
    status = 200 if revealed is not None else 400
    response = render(
        request,
        "people/console/_reveal.html",
        {"form": form, "revealed": revealed, "resident_id": resident_id},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def _require_admin_page(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not can_manage_roles(user):
        raise DjangoPermissionDenied
    return user


@staff_required
def staff_list(request: HttpRequest) -> HttpResponse:
    """System administrators: every staff account with its roles, and the way to open one."""
    user = _require_admin_page(request)
    page = Paginator(staff_account_list_for(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/console/staff_list.html", {"page": page})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    user = _require_admin_page(request)
    form = StaffAccountForm(request.POST or None)
    bind_pickers(form, user)
    if done := submit(
        request,
        form,
        lambda data: staff_account_create(
            actor=user,
            username=data["username"],
            full_name=data["full_name"],
            phone=data["phone"],
            role=data["role"],
            division_code=form.picked_division(),
            department_id=form.picked_department(),
            link_for=password_set_link_builder(request),
            ip=client_ip(request),
        ),
    ):
        messages.success(
            request,
            _("Account %(name)s created; a link to set the password was sent to its phone.")
            % {"name": done.value.username},
        )
        return redirect("console:staff_detail", user_id=done.value.pk)
    return render(
        request,
        "people/console/staff_form.html",
        {"form": form},
        status=form_status(form),
    )


def _staff_detail_page(
    request: HttpRequest, account: User, form: AreaPickerForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "people/console/staff_detail.html",
        {"account": account, "form": form},
        status=status,
    )


@staff_required
def staff_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _require_admin_page(request)
    account = staff_account_get_for(user, user_id)
    form = AreaPickerForm()
    bind_pickers(form, user)
    return _staff_detail_page(request, account, form)


@staff_required
@require_POST
def staff_role_add(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _require_admin_page(request)
    account = staff_account_get_for(user, user_id)
    form = AreaPickerForm(request.POST)
    bind_pickers(form, user)
    if submit(
        request,
        form,
        lambda data: staff_role_grant(
            actor=user,
            user=account,
            role=data["role"],
            division_code=form.picked_division(),
            department_id=form.picked_department(),
            ip=client_ip(request),
        ),
    ):
        messages.success(request, _("The role was added."))
        return redirect("console:staff_detail", user_id=account.pk)
    return _staff_detail_page(request, account, form, status=form_status(form))


@staff_required
@require_POST
def staff_role_withdraw(request: HttpRequest, staff_role_id: int) -> HttpResponse:
    user = _require_admin_page(request)
    try:
        staff_role = staff_role_revoke(
            actor=user, staff_role_id=staff_role_id, ip=client_ip(request)
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("console:staff")
    messages.success(request, _("The role was withdrawn."))
    return redirect("console:staff_detail", user_id=staff_role.user_id)


def staff_deactivate_consequence() -> str:
    """What deactivating a staff account does, said before it is done."""
    return _(
        "Once deactivated, this account can no longer sign in and all its roles are "
        "withdrawn. Its past actions stay in the audit trail."
    )


@staff_required
@require_POST
def staff_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _require_admin_page(request)
    if ask := confirmation_page(
        request,
        title=_("Deactivate this account?"),
        consequence=staff_deactivate_consequence(),
        confirm_label=_("Deactivate account"),
        cancel_url=reverse("console:staff_detail", args=[user_id]),
    ):
        return ask
    try:
        staff_account_deactivate(actor=user, user_id=user_id, ip=client_ip(request))
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The account is deactivated and its roles withdrawn."))
    return redirect("console:staff_detail", user_id=user_id)


@staff_required
@require_POST
def staff_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _require_admin_page(request)
    try:
        staff_password_reset_send(
            actor=user,
            user_id=user_id,
            link_for=password_set_link_builder(request),
            ip=client_ip(request),
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The old password no longer works; a link to set a new one was sent by text."),
        )
    return redirect("console:staff_detail", user_id=user_id)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_two_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """System administrators: remove a staff member's authenticator (a lost phone)."""
    user = _require_admin_page(request)
    member = staff_account_get_for(user, user_id)
    form = TwoFactorResetForm(request.POST or None)
    if submit(
        request,
        form,
        lambda data: two_factor_reset(
            actor=user, user_id=member.pk, reason=data["reason"], ip=client_ip(request)
        ),
    ):
        messages.success(
            request,
            _("Two-factor sign-in of %(name)s was reset.") % {"name": member.username},
        )
        return redirect("console:staff_detail", user_id=member.pk)
    return render(
        request,
        "people/console/two_factor_reset.html",
        {"form": form, "member": member},
        status=form_status(form),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def department_list(request: HttpRequest) -> HttpResponse:
    """System administrators: the city's departments, and the way to open one."""
    user = _require_admin_page(request)
    form = DepartmentForm(request.POST or None)
    if done := submit(
        request,
        form,
        lambda data: department_create(actor=user, ip=client_ip(request), **data),
    ):
        messages.success(request, _("Department %(name)s opened.") % {"name": done.value.name})
        return redirect("console:departments")
    return render(
        request,
        "people/console/department_list.html",
        {"form": form, "departments": department_list_for(user)},
        status=form_status(form),
    )


@staff_required
@require_http_methods(["GET", "POST"])
def department_detail(request: HttpRequest, department_id: int) -> HttpResponse:
    user = _require_admin_page(request)
    department = department_get_for(user, department_id)
    form = DepartmentRenameForm(
        request.POST or None,
        initial={"name": department.name, "short_name": department.short_name},
    )
    if submit(
        request,
        form,
        lambda data: department_rename(
            actor=user, department_id=department.pk, ip=client_ip(request), **data
        ),
    ):
        messages.success(request, _("The department was saved."))
        return redirect("console:department_detail", department_id=department.pk)
    return render(
        request,
        "people/console/department_detail.html",
        {"form": form, "department": department},
        status=form_status(form),
    )


@staff_required
@require_POST
def department_set_active(request: HttpRequest, department_id: int) -> HttpResponse:
    user = _require_admin_page(request)
    active = request.POST.get("active") == "1"
    try:
        department_set_active_service(
            actor=user, department_id=department_id, active=active, ip=client_ip(request)
        )
    except NotFound:
        raise
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The department is open again.") if active else _("The department is closed."),
        )
    return redirect("console:department_detail", department_id=department_id)
