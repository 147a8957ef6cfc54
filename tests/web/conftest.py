"""A small legislative database and signed-in clients for each role, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from sqlalchemy.orm import Session, sessionmaker

from billwatch.db.models import (
    Bill,
    BillAction,
    BillVersion,
    Committee,
    Event,
    EventAgendaItem,
    Jurisdiction,
    LegislativeSession,
    Membership,
    Office,
    Person,
    Sponsorship,
    Subscriber,
    Subscription,
    Tag,
    VersionClassification,
    utcnow,
)
from billwatch.db.session import get_engine, get_sessionmaker, upgrade
from billwatch.web import security
from billwatch.web.app import create_app
from billwatch.web.security import create_user
from tests.conftest import _postgres_schema_url, _sqlite_url

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 fork; httpx (in the lock) works the same for tests.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

SECRET = "tests-only-web-secret-0123456789-abcdefgh"
PASSWORDS = {
    "viewer": "viewer-password-123",
    "reviewer": "reviewer-password-123",
    "admin": "admin-password-12345",
}
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')
INTRODUCED = (
    "SECTION 1. Section 236.1 of the Penal Code is amended to read:\n"
    "A person who commits human trafficking shall be punished by imprisonment for five years.\n"
    "SEC. 2. The department shall fund shelters for survivors.\n"
)
AMENDED_OLD = "five years"
AMENDED_NEW = "twelve years"


@dataclass
class Data:
    """Ids of the seeded rows."""

    ca_bill: int
    ny_bill: int
    introduced: int
    amended: int
    person: int
    alert_tag: int
    track_tag: int
    event: int
    subscriber: int


def _version(bill: Bill, note: str, day: dt.date, text: str, ins, struck, key: str) -> BillVersion:
    version = BillVersion(
        bill=bill,
        note=note,
        date=day,
        text=text,
        inserted=ins,
        struck=struck,
        content_hash=key * 8,
        url=f"https://leginfo.example/{key}",
    )
    return version


def seed(factory: sessionmaker[Session], now: dt.datetime) -> Data:
    """Two states, two bills (one ALERT with two versions), a legislator, a hearing, tags."""
    with factory.begin() as s:
        ca = Jurisdiction(
            code="CA", name="California", ocd_id="ocd-jurisdiction/country:us/state:ca/government"
        )
        ny = Jurisdiction(
            code="NY", name="New York", ocd_id="ocd-jurisdiction/country:us/state:ny/government"
        )
        s.add_all([ca, ny])
        ca_s = LegislativeSession(jurisdiction=ca, identifier="2025-2026")
        ny_s = LegislativeSession(jurisdiction=ny, identifier="2025-2026")
        bill = Bill(
            jurisdiction=ca,
            session=ca_s,
            identifier="AB 1",
            title="Human trafficking: penalties and survivor shelters",
            stage="in committee",
            status="in committee",
            last_action_date=dt.date(2026, 2, 1),
            source_urls=["https://leginfo.example/AB1"],
        )
        ny_bill = Bill(
            jurisdiction=ny,
            session=ny_s,
            identifier="S 2",
            title="Housing for survivors of trafficking",
            stage="introduced",
            last_action_date=dt.date(2026, 1, 20),
        )
        s.add_all([bill, ny_bill])
        start = INTRODUCED.index(AMENDED_OLD)
        amended = INTRODUCED[:start] + AMENDED_OLD + " " + AMENDED_NEW + INTRODUCED[start + 10 :]
        old_span = [start, start + len(AMENDED_OLD)]
        new_span = [start + len(AMENDED_OLD) + 1, start + len(AMENDED_OLD) + 1 + len(AMENDED_NEW)]
        v1 = _version(bill, "Introduced", dt.date(2026, 1, 10), INTRODUCED, [], [], "a")
        v2 = _version(bill, "Amended", dt.date(2026, 2, 1), amended, [new_span], [old_span], "b")
        v3 = _version(
            ny_bill, "Introduced", dt.date(2026, 1, 20), "Funds survivor housing.", [], [], "c"
        )
        s.add_all([v1, v2, v3])
        s.flush()
        evidence = amended.index("A person")
        alert = Tag(
            version_id=v2.id,
            tag="penalty_increase",
            score=0.55,
            evidence=amended[evidence : amended.index("\n", evidence)],
            evidence_start=evidence,
            evidence_end=amended.index("\n", evidence),
            classifier_version="t1",
        )
        shelters = amended.index("The department")
        track = Tag(
            version_id=v2.id,
            section_index=1,
            tag="survivor_services",
            score=0.93,
            evidence="The department shall fund shelters for survivors.",
            evidence_start=shelters,
            evidence_end=shelters + len("The department shall fund shelters for survivors."),
            classifier_version="t1",
        )
        ny_tag = Tag(
            version_id=v3.id,
            tag="survivor_services",
            score=0.8,
            evidence="survivor housing",
            evidence_start=6,
            evidence_end=22,
            classifier_version="t1",
        )
        s.add_all([alert, track, ny_tag])
        s.add_all(
            [
                VersionClassification(version_id=v2.id, classifier_version="t1", stance="mixed"),
                VersionClassification(version_id=v3.id, classifier_version="t1", stance="TRACK"),
            ]
        )
        s.add_all(
            [
                BillAction(
                    bill=bill,
                    action_key="a1",
                    order=1,
                    date=dt.date(2026, 1, 10),
                    organization="lower",
                    description="Introduced",
                    classification=["introduction"],
                ),
                BillAction(
                    bill=bill,
                    action_key="a2",
                    order=2,
                    date=dt.date(2026, 2, 1),
                    organization="lower",
                    description="Referred to Com. on PUB. S.",
                    classification=["referral-committee"],
                ),
                BillAction(
                    bill=ny_bill,
                    action_key="a3",
                    order=1,
                    date=dt.date(2026, 1, 20),
                    organization="upper",
                    description="Introduced",
                    classification=["introduction"],
                ),
            ]
        )
        person = Person(
            source_key="ocd-person/00000000-0000-0000-0000-000000000001",
            jurisdiction=ca,
            name="Jane Roe",
            party="Democratic",
            chamber="lower",
            district="12",
            email="jane.roe@example.gov",
        )
        person.offices.append(
            Office(classification="capitol", address="1021 O St", voice="916-555-0100")
        )
        committee = Committee(jurisdiction=ca, chamber="lower", name="Public Safety")
        committee.memberships.append(Membership(name="Jane Roe", person=person, role="chair"))
        s.add_all([person, committee])
        s.add(Sponsorship(bill=bill, name="Jane Roe", classification="primary", person=person))
        event = Event(
            jurisdiction=ca,
            source_key="ev1",
            name="Public Safety hearing",
            committee="Public Safety",
            chamber="lower",
            start_time=now + dt.timedelta(days=7),
            location="Room 126, State Capitol",
        )
        event.agenda.append(EventAgendaItem(bill=bill, bill_identifier="AB 1"))
        s.add(event)
        sub = Subscriber(email="member@example.org", name="Member", organization="Org")
        sub.subscriptions.append(Subscription(states=["CA"], tags=["alert"], frequency="daily"))
        s.add(sub)
        for role, password in PASSWORDS.items():
            create_user(s, f"{role}@example.org", password, role)
        s.flush()
        return Data(
            bill.id, ny_bill.id, v1.id, v2.id, person.id, alert.id, track.id, event.id, sub.id
        )


@pytest.fixture(autouse=True, scope="session")
def fast_argon2() -> Iterator[None]:
    """Cheap argon2 parameters in tests: the default costs ~0.5 s a hash on a busy machine."""
    saved = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    security._hasher = saved


@pytest.fixture
def data(Session: sessionmaker[Session]) -> Data:  # noqa: N803
    """The seeded database (one per test: for tests that change it)."""
    return seed(Session, utcnow())


@pytest.fixture
def app(Session: sessionmaker[Session], data: Data):  # noqa: N803
    """The workbench on the seeded database."""
    return create_app(Session, SECRET)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def shared_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One seeded database per test module and dialect, for tests that only read."""
    if request.param == "sqlite":
        urls: Iterator[str] = iter([_sqlite_url(tmp_path_factory.mktemp("web"))])
    else:
        urls = _postgres_schema_url()
    url = next(urls)
    upgrade(url)
    factory = get_sessionmaker(url)
    yield factory, seed(factory, utcnow())
    get_engine(url).dispose()
    for _ in urls:  # drops the PostgreSQL schema
        pass


@pytest.fixture
def ro(shared_db) -> Data:
    """The ids of the shared read-only database."""
    return shared_db[1]


@pytest.fixture
def ro_client_for(shared_db) -> Callable[[str | None], TestClient]:
    """Clients of the shared read-only database, signed in as `role` (None: anonymous)."""
    app = create_app(shared_db[0], SECRET)

    def make(role: str | None) -> TestClient:
        client = TestClient(app, base_url="https://testserver")
        return sign_in(client, role) if role else client

    return make


def csrf_of(client: TestClient, path: str = "/login") -> str:
    """The CSRF token a page of the app gives this browser."""
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: TestClient, role: str) -> TestClient:
    """Sign the client in as the seeded user of `role`."""
    token = csrf_of(client)
    response = client.post(
        "/login",
        data={"email": f"{role}@example.org", "password": PASSWORDS[role], "csrf": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def client_for(app) -> Callable[[str | None], TestClient]:
    """A new https client, signed in as `role` (None: anonymous)."""

    def make(role: str | None) -> TestClient:
        client = TestClient(app, base_url="https://testserver")
        return sign_in(client, role) if role else client

    return make
