"""Synthetic demo data: departments, staff in real places, and residents at scale.

Everything here is made up except the department names and the divisions, which are real.
ID numbers are valid in format (region code of the resident's district, a real birth date,
sequence parity by sex, correct check digit) but belong to nobody.
"""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from shequ.core.pii import ID_CHECK_CHARACTERS as CHECK_CHARACTERS
from shequ.core.pii import ID_CHECK_WEIGHTS as CHECK_WEIGHTS
from shequ.core.pii import PIIKind, PIIValue, blind_index, encrypt
from shequ.core.scopes import CITY_CODE, Role
from shequ.people.models import Department, Resident, StaffRole, User, VerificationLevel
from shequ.places.models import Division

DEMO_PASSWORD = "shequ-demo-2026"  # noqa: S105 - printed by make run, demo only
# One known authenticator secret for every demo staff account, so the demo's second factor
# can be shown on its own page (demo accounts only; production refuses demo accounts).
DEMO_TOTP_KEY = "3368652265f03c06133b73ea9e984d05372f1fb8"
DEMO_TOTP_SECRET = "GNUGKITF6A6AMEZ3OPVJ5GCNAU3S6H5Y"  # noqa: S105 - the same, in base32

# (code, full name, short name): real Chengdu municipal bodies.
DEPARTMENTS = [
    ("shezhi", "中共成都市委城乡社区发展治理委员会", "市委社治委"),
    ("gongan", "成都市公安局", "市公安局"),
    ("minzheng", "成都市民政局", "市民政局"),
    ("renshe", "成都市人力资源和社会保障局", "市人社局"),
    ("zhujian", "成都市住房和城乡建设局", "市住建局"),
    ("fangguan", "成都市住房保障和房屋管理局", "市住保房管局"),
    ("weijian", "成都市卫生健康委员会", "市卫健委"),
    ("jiaoyu", "成都市教育局", "市教育局"),
    ("yibao", "成都市医疗保障局", "市医保局"),
    ("gongjijin", "成都住房公积金管理中心", "市公积金中心"),
    ("shichang", "成都市市场监督管理局", "市市场监管局"),
    ("jiaotong", "成都市交通运输局", "市交通运输局"),
    ("guihua", "成都市规划和自然资源局", "市规划和自然资源局"),
    ("huanjing", "成都市生态环境局", "市生态环境局"),
    ("chengguan", "成都市城市管理委员会", "市城管委"),
    ("shuiwu", "成都市水务局", "市水务局"),
    ("wenlv", "成都市文化广电旅游局", "市文广旅局"),
    ("tiyu", "成都市体育局", "市体育局"),
    ("sifa", "成都市司法局", "市司法局"),
    ("caizheng", "成都市财政局", "市财政局"),
    ("shuiwuju", "国家税务总局成都市税务局", "市税务局"),
    ("tuiyi", "成都市退役军人事务局", "市退役军人局"),
    ("yingji", "成都市应急管理局", "市应急局"),
    ("nongye", "成都市农业农村局", "市农业农村局"),
    ("shangwu", "成都市商务局", "市商务局"),
    ("jingxin", "成都市经济和信息化局", "市经信局"),
    ("fagai", "成都市发展和改革委员会", "市发改委"),
    ("shenji", "成都市审计局", "市审计局"),
    ("tongji", "成都市统计局", "市统计局"),
    ("zhengwu", "成都市政务服务管理和网络理政办公室", "市网络理政办"),
    ("gongyuan", "成都市公园城市建设管理局", "市公园城市局"),
    ("canlian", "成都市残疾人联合会", "市残联"),
    ("fulian", "成都市妇女联合会", "市妇联"),
    ("gonghui", "成都市总工会", "市总工会"),
    ("tuanshi", "共青团成都市委员会", "团市委"),
]

NIJIAQIAO = "510107005004"  # 倪家桥社区, 玉林街道, 武侯区
YULIN = "510107005000"
WUHOU = "510107000000"
SHUIJINGFANG = "510104017001"  # 水井坊社区, 锦官驿街道, 锦江区


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str | None
    scope: str | None  # a division code or a department code
    description: str


DEMO_ACCOUNTS = [
    DemoAccount("resident", None, NIJIAQIAO, "resident of 倪家桥社区 (ID checked)"),
    DemoAccount("worker", Role.COMMUNITY_WORKER, NIJIAQIAO, "community worker, 倪家桥社区"),
    DemoAccount("worker_sjf", Role.COMMUNITY_WORKER, SHUIJINGFANG, "community worker, 水井坊社区"),
    DemoAccount("street", Role.STREET_OFFICER, YULIN, "street officer, 玉林街道"),
    DemoAccount("district", Role.DISTRICT_OFFICER, WUHOU, "district officer, 武侯区"),
    DemoAccount("committee", Role.CITY_COMMITTEE, CITY_CODE, "city committee, 市委社治委"),
    DemoAccount("department", Role.DEPARTMENT_STAFF, "minzheng", "staff, 成都市民政局"),
    DemoAccount("auditor", Role.AUDITOR, CITY_CODE, "auditor, city-wide"),
    DemoAccount("admin", Role.SYSTEM_ADMIN, None, "system administrator"),
]

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
)
GIVEN = list(
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华红玉萍鹏辉玲丹建国文斌宇浩凯欣怡梓涵子轩雨婷佳琪思雪晨阳志鑫俊博睿泽宏瑶琳蓉川蜀锦蓉晓燕慧颖"
)
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "176",
    "177",
    "180",
    "181",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


def ensure_departments() -> dict[str, Department]:
    found = {d.code: d for d in Department.objects.all()}
    missing = [
        Department(code=c, name=n, short_name=s) for c, n, s in DEPARTMENTS if c not in found
    ]
    Department.objects.bulk_create(missing)
    return {d.code: d for d in Department.objects.all()}


def ensure_populations(rng: np.random.Generator) -> None:
    """Give communities without figures a synthetic population and household count."""
    communities = list(
        Division.objects.filter(level=Division.Level.COMMUNITY, population__isnull=True).order_by(
            "code"
        )
    )
    if not communities:
        return
    urban = rng.lognormal(mean=np.log(9000), sigma=0.45, size=len(communities))
    rural = rng.lognormal(mean=np.log(2600), sigma=0.4, size=len(communities))
    for i, community in enumerate(communities):
        value = urban[i] if community.urban_rural != Division.UrbanRural.RURAL else rural[i]
        community.population = int(max(300, min(60000, value)))
        community.households = int(community.population / 2.6)
    Division.objects.bulk_update(communities, ["population", "households"], batch_size=1000)


def ensure_demo_accounts(departments: dict[str, Department]) -> list[DemoAccount]:
    """Create the demo log-ins once; re-running changes nothing."""
    password_hash = make_password(DEMO_PASSWORD)
    for index, account in enumerate(DEMO_ACCOUNTS):
        phone = f"1380000{index:04d}"
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "password": password_hash,
                "is_demo": True,
                "phone": PIIValue(PIIKind.PHONE, plain=phone),
                "phone_index": blind_index(PIIKind.PHONE, phone),
            },
        )
        if not created:
            continue
        if account.role is None:
            born = date(1988, 6, 15)
            first17 = f"510107{born:%Y%m%d}042"
            id_number = first17 + id_check_character_py(first17)
            Resident.objects.create(
                user=user,
                real_name="李晓雨",
                id_number=PIIValue(PIIKind.ID_NUMBER, plain=id_number),
                id_number_index=blind_index(PIIKind.ID_NUMBER, id_number),
                phone=user.phone,
                phone_index=user.phone_index,
                birth_date=born,
                sex="F",
                community_id=account.scope,
                # The demo resident's record is in the community registry and her real-name
                # check matched it, so she may support, vote and object (the demo's journeys).
                verification_level=VerificationLevel.REGISTRY_MATCHED,
                verified_at=timezone.now(),
            )
            continue
        division = account.scope if account.role != Role.DEPARTMENT_STAFF else None
        department = (
            departments[account.scope]
            if account.role == Role.DEPARTMENT_STAFF and (account.scope)
            else None
        )
        StaffRole.objects.create(
            user=user,
            role=account.role,
            division_id=None if account.role == Role.SYSTEM_ADMIN else division,
            department=department,
        )
    ensure_demo_two_factor()
    return DEMO_ACCOUNTS


def ensure_demo_two_factor() -> None:
    """Demo staff sign in with the known demo authenticator (see ``demo_code_for``)."""
    demo_staff = User.objects.filter(is_demo=True, staff_roles__isnull=False).distinct()
    for user in demo_staff.exclude(totpdevice__confirmed=True):
        TOTPDevice.objects.create(user=user, name="demo", key=DEMO_TOTP_KEY, confirmed=True)


def demo_code_for(user: User) -> str | None:
    """The code the demo authenticator shows now, for a demo account outside production."""
    if settings.PRODUCTION or not user.is_demo:
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True, key=DEMO_TOTP_KEY).first()
    if device is None:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:
        # This step's code is spent (each code once): the next step's is accepted already.
        totp.time += (device.last_t + 1 - totp.t()) * device.step
    return f"{totp.token():0{device.digits}d}"


def id_check_character_py(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, CHECK_WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` exactly (largest remainder)."""
    share = weights / weights.sum() * total
    counts = np.floor(share).astype(np.int64)
    remainder = total - int(counts.sum())
    if remainder:
        counts[np.argsort(share - counts)[::-1][:remainder]] += 1
    return counts


def _id_numbers(
    rng: np.random.Generator, regions: np.ndarray, births: np.ndarray, sexes: np.ndarray
) -> list[str]:
    """Valid, unique ID numbers: region + birth date + sequence (parity = sex) + check."""
    n = len(regions)
    sequence = rng.integers(0, 500, size=n) * 2 + np.where(sexes == "M", 1, 0)
    birth_text = np.datetime_as_string(births, unit="D")
    first17 = np.char.add(
        np.char.add(regions, np.char.replace(birth_text, "-", "")),
        np.char.zfill(sequence.astype(str), 3),
    )
    digits = np.frombuffer(first17.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    checks = np.array(list(CHECK_CHARACTERS))[
        (digits.astype(np.int64) @ np.array(CHECK_WEIGHTS)) % 11
    ]
    numbers = np.char.add(first17, checks).tolist()
    seen: set[str] = set()
    for i, number in enumerate(numbers):
        while number in seen:  # rare: same region, birthday and sequence
            head = number[:14] + f"{(int(number[14:17]) + 2) % 1000:03d}"
            number = head + id_check_character_py(head)
        seen.add(number)
        numbers[i] = number
    return numbers


def _birth_dates(rng: np.random.Generator, n: int, today: date) -> np.ndarray:
    # Ages 0–95, thinning after 60: a rough city age pyramid.
    ages = np.clip(rng.gamma(shape=4.2, scale=9.5, size=n), 0, 95)
    days = (ages * 365.25).astype(np.int64)
    return np.datetime64(today, "D") - days.astype("timedelta64[D]")


def resident_batches(
    total: int,
    *,
    seed: int,
    batch: int = 20000,
    today: date | None = None,
    communities: list[tuple[str, int | None]] | None = None,
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows for ``people_resident`` in batches, spread over communities by population."""
    rng = np.random.default_rng(seed)
    today = today or timezone.localdate()
    if communities is None:
        communities = list(
            Division.objects.filter(level=Division.Level.COMMUNITY, is_active=True)
            .order_by("code")
            .values_list("code", "population")
        )
    codes = np.array([c for c, _ in communities])
    weights = np.array([p or 1000 for _, p in communities], dtype=np.float64)
    per_community = np.repeat(codes, allocate(total, weights))
    now = timezone.now().isoformat() if connection.vendor == "sqlite" else timezone.now()
    surnames, given = np.array(SURNAMES), np.array(GIVEN)
    prefixes = np.array(MOBILE_PREFIXES)
    for start in range(0, total, batch):
        chunk = per_community[start : start + batch]
        n = len(chunk)
        sexes = np.where(rng.random(n) < 0.5, "M", "F")
        births = _birth_dates(rng, n, today)
        ids = _id_numbers(rng, np.char.ljust(chunk.astype("U6"), 6), births, sexes)
        names = np.char.add(
            surnames[rng.integers(0, len(surnames), n)], given[rng.integers(0, len(given), n)]
        )
        two = rng.random(n) < 0.7
        names = np.where(two, np.char.add(names, given[rng.integers(0, len(given), n)]), names)
        phones = np.char.add(
            prefixes[rng.integers(0, len(prefixes), n)],
            np.char.zfill(rng.integers(0, 10**8, n).astype(str), 8),
        )
        birth_list = np.datetime_as_string(births, unit="D").tolist()
        rows = []
        for i in range(n):
            id_number, phone = ids[i], str(phones[i])
            born: Any = (
                birth_list[i]
                if connection.vendor == "sqlite"
                else date.fromisoformat(birth_list[i])
            )
            rows.append(
                (
                    str(names[i]),
                    encrypt(id_number),
                    blind_index(PIIKind.ID_NUMBER, id_number),
                    encrypt(phone),
                    blind_index(PIIKind.PHONE, phone),
                    born,
                    str(sexes[i]),
                    str(chunk[i]),
                    int(VerificationLevel.ID_CHECKED),  # the registry holds a checked ID number
                    now,
                    now,
                )
            )
        yield rows


INSERT_SQL = (
    "INSERT INTO people_resident (real_name, id_number, id_number_index, phone, phone_index,"
    " birth_date, sex, community_id, verification_level, created_at, updated_at)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)


def seed_residents(
    total: int,
    *,
    seed: int,
    progress: Callable[[int], object] | None = None,
    communities: list[tuple[str, int | None]] | None = None,
) -> int:
    """Bulk-insert ``total`` synthetic residents (raw executemany: no per-row ORM cost).

    ``communities`` ((code, weight) pairs) narrows the spread; by default every active
    community, weighted by population.
    """
    inserted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for rows in resident_batches(total, seed=seed, communities=communities):
            cursor.executemany(INSERT_SQL, rows)
            inserted += len(rows)
            if progress is not None:
                progress(len(rows))
    return inserted


def demo_summary() -> list[tuple[str, str]]:
    return [(a.username, a.description) for a in DEMO_ACCOUNTS]
