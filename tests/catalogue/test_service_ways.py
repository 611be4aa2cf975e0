"""Every service page does something real: a form, a department app, a venue, bills, or the
window (address, hours, materials) — never a button that leads to "not supported"."""

from django.test import Client

from shequ.casework.demo import demo_forms, seed_casework
from shequ.casework.models import FormDefinition
from shequ.catalogue.demo import seed_catalogue
from shequ.catalogue.models import Service
from shequ.core.models import AuditEvent
from shequ.core.scopes import Role
from shequ.people.models import Department
from shequ.sso import services as sso_services
from tests.factories import NIJIAQIAO, make_resident, make_staff, make_user

MOST_USED = {
    "dibao-shenqing": "最低生活保障申请",
    "linshi-jiuzhu": "临时救助申请",
    "canji-zheng": "残疾人证办理",
    "falv-yuanzhu": "法律援助申请",
    "juzhuzheng-xuqian": "居住证签注",
    "qingshaonian-zhiyuan": "志愿者注册",
    "gaoling-butie": "高龄津贴申领",
    "shengyu-dengji": "生育登记",
    "shebao-canbao": "灵活就业人员社会保险参保登记",
    "gongzufang": "公共租赁住房申请",
    "dusheng-zinv": "独生子女父母奖励申领",
    "jiuye-dengji": "就业创业证申领",
    "wuye-tousu": "物业服务投诉",
    "xiaofei-tousu": "消费投诉举报",
}


def test_every_application_service_has_a_form_or_a_window(catalogue: None) -> None:
    seed_casework()
    with_form = set(FormDefinition.objects.values_list("service__code", flat=True))
    assert len(with_form) >= 30
    for code, name in MOST_USED.items():
        assert code in with_form, name
    for service in Service.objects.filter(kind=Service.Kind.APPLICATION, is_published=True):
        if service.code in with_form:
            continue
        assert service.in_person_window, service.name
        assert service.in_person_address, service.name
        assert service.in_person_hours, service.name
        assert service.phone, service.name


def test_demo_forms_ask_for_personal_numbers_in_sealed_fields_and_check_age(
    catalogue: None,
) -> None:
    forms = demo_forms()
    for code, spec in forms.items():
        assert spec["source"], code
        for field in spec["fields"]:
            if "手机" in field["label"] or "身份证号" in field["label"]:
                assert field["type"] in ("phone", "id_number"), (code, field["label"])
    assert forms["gaoling-butie"]["eligibility"]["min_age"] == 80
    seed_casework()
    assert seed_casework() == 0  # a second run publishes nothing
    form = FormDefinition.objects.get(service__code="dibao-shenqing")
    assert {f["type"] for f in form.fields} >= {"phone", "id_number", "decimal", "choice"}


def test_in_person_service_page_shows_the_window_and_no_apply_button(
    catalogue: None, client: Client
) -> None:
    seed_casework()
    service = Service.objects.get(code="hukou-qianchu")  # 户口迁出: at the window only
    html = client.get(f"/catalogue/services/{service.pk}/").content.decode()
    assert 'data-testid="in-person"' in html
    assert "公安综合窗口" in html
    assert "锦城大道366号" in html
    assert "周一至周五" in html
    assert "准予迁入证明" in html
    assert 'href="tel:12345"' in html
    assert "在线申请" not in html
    assert "暂不支持" not in html
    # An old link to the online form lands on the page that says how, not on a dead end.
    client.force_login(make_user("qian"))
    response = client.get(f"/casework/apply/{service.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/catalogue/services/{service.pk}/"


def test_community_service_names_the_residents_own_centre(catalogue: None, client: Client) -> None:
    user = make_user("zhou")
    make_resident(NIJIAQIAO, user=user)
    client.force_login(user)
    service = Service.objects.get(code="renmin-tiaojie")  # 人民调解: community, in person
    html = client.get(f"/catalogue/services/{service.pk}/").content.decode()
    assert "倪家桥社区居委会党群服务中心" in html or "倪家桥社区党群服务中心" in html
    assert "所在社区党群服务中心便民服务窗口" in html


def test_query_service_goes_to_its_department_app(catalogue: None, client: Client) -> None:
    admin = make_staff("sysadmin", Role.SYSTEM_ADMIN)
    app, _secret = sso_services.app_register(
        actor=admin,
        name="社保缴费查询",
        department_id=Department.objects.get(code="renshe").pk,
        redirect_uris="https://shebao.example.cn/callback",
        scopes=["openid", "profile"],
    )
    service = Service.objects.get(code="shebao-jiaofei-chaxun")
    html = client.get(f"/catalogue/services/{service.pk}/").content.decode()
    assert "我的办件" not in html
    assert 'data-testid="in-person"' in html  # no app yet: the window and 12333

    staff = make_staff("renshe1", Role.DEPARTMENT_STAFF, "renshe")
    client.force_login(staff)
    form = {
        "name": service.name,
        "summary": service.summary,
        "min_level": service.min_level,
        "fee": "0",
        "channel": service.channel,
        "kind": service.kind,
        "is_published": "on",
        "in_person_window": service.in_person_window,
        "phone": "12333",
        "sso_app": app.pk,
        "sso_entry_url": "https://elsewhere.example.com/login",
    }
    response = client.post(f"/console/catalogue/{service.pk}/", form)
    assert response.status_code == 400
    assert "入口地址必须在该部门应用自己的网站上" in response.content.decode()
    response = client.post(f"/console/catalogue/{service.pk}/", {**form, "phone": "138 1234 5678"})
    assert response.status_code == 400
    assert "不要填写手机号码" in response.content.decode()
    service.refresh_from_db()
    assert service.sso_app_id is None
    assert service.phone == "12333"

    form["sso_entry_url"] = "https://shebao.example.cn/login"
    assert client.post(f"/console/catalogue/{service.pk}/", form).status_code == 302
    service.refresh_from_db()
    assert service.sso_app_id == app.pk
    assert AuditEvent.objects.filter(verb="service.update", actor=staff).count() == 1

    client.logout()
    html = client.get(f"/catalogue/services/{service.pk}/").content.decode()
    assert 'href="https://shebao.example.cn/login"' in html
    assert "前往办理" in html
    assert "社保缴费查询" in html


def test_seeded_shebao_app_is_linked_to_its_service(catalogue: None) -> None:
    from django.core.management import call_command

    make_staff("admin-demo", Role.SYSTEM_ADMIN)
    from shequ.people.models import User

    User.objects.filter(username="admin-demo").update(username="admin", is_demo=True)
    call_command("seed_sso")
    seed_catalogue(policies_per_service=0)
    service = Service.objects.get(code="shebao-jiaofei-chaxun")
    assert service.sso_app is not None
    assert service.sso_app.client_id == "shequ-demo-shebao"
    assert service.sso_entry_url == "http://127.0.0.1:8001/login"
    assert service.sso_app.redirect_uris == "http://127.0.0.1:8001/callback"
