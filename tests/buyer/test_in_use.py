"""One definition of "in use" (benchmark.metrics.in_use): the register, the solution page,
the comparison, the API and the benchmark's heat table and spread give the same figures,
on the demo data and on a constructed case."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.approvals import services as approvals
from app.audit.hook import set_actor
from app.benchmark import services as benchmark
from app.benchmark.models import AdoptionRecord
from app.catalogue.models import Organisation, Project, Solution
from app.core import clock
from tests.approvals.helpers import make_solution


def _heat_using(client: Any, slug: str) -> int | None:
    heat = client.get("/api/benchmark/national").json()["heat"]
    row = next((r for r in heat["rows"] if r["slug"] == slug), None)
    return None if row is None else sum(c["using"] for c in row["cells"])


def _spread(client: Any, slug: str) -> int:
    items = client.get("/api/benchmark/solutions").json()["items"]
    return next((i["organisations"] for i in items if i["slug"] == slug), 0)


def _page_count(client: Any, slug: str) -> int:
    body = client.get(f"/solutions/{slug}/overview", headers={"HX-Request": "true"}).text
    found = re.search(r"I brug hos (\d+) organisation", body)
    assert found, body
    assert "I brug = i drift i dag" in body  # the definition in words next to the figure
    return int(found.group(1))


def _figures(client: Any, db: Session, slug: str) -> dict[str, Any]:
    solution = db.scalar(select(Solution).where(Solution.slug == slug))
    api = client.get(f"/api/solutions/{slug}/adoption").json()
    compare = client.get(f"/api/compare?solutions={slug},liva" if slug != "liva" else
                         "/api/compare?solutions=liva,selfback").json()["items"]
    return {"register": len(approvals.organisations_using(db, [solution.id])[solution.id]),
            "page": _page_count(client, slug), "api": api["in_use"],
            "api_regions": sum(r["in_use"] for r in api["regions"]),
            "compare": next(i["adoption"]["in_use"] for i in compare if i["slug"] == slug),
            "spread": _spread(client, slug)}


def test_selfback_demo_figures_agree_everywhere(client: Any, db: Session) -> None:
    figures = _figures(client, db, "selfback")
    assert len(set(figures.values())) == 1, figures  # 1 on the demo data alone (earlier tests may add some)
    assert _heat_using(client, "selfback") in (None, figures["api"])
    api = client.get("/api/solutions/selfback/adoption").json()
    hoeje_taastrup = next(o for o in api["organisations"] if o["name"] == "Høje-Taastrup")
    assert hoeje_taastrup["status"] == "in_operation"
    # The demo data says since 27 September 2022; the adoption form's tests report the demo
    # reporter's own SelfBack use on random earlier days, which moves "since" back.
    assert hoeje_taastrup["since"] <= "2022-09-27"
    assert api["definition"].startswith("I brug = ")


def test_register_page_says_what_the_benchmark_says(client: Any, db: Session) -> None:
    solution = db.scalar(select(Solution).where(Solution.slug == "selfback"))
    number = approvals.case_for(db, solution).register_number
    body = client.get(f"/register/{number}").text
    assert "Høje-Taastrup" in body and "Hvidovre" not in body  # Hvidovre is only a project partner
    assert "I brug = i drift i dag" in body
    entry = next(e for e in client.get("/api/register", params={"q": "SelfBack"}).json()["items"]
                 if e["solution"]["slug"] == "selfback")
    api = client.get("/api/solutions/selfback/adoption").json()
    assert [o["name"] for o in entry["in_use_by"]] == sorted(o["name"] for o in api["organisations"] if o["in_use"])


def test_liva_demo_figures_agree_everywhere(client: Any, db: Session) -> None:
    figures = _figures(client, db, "liva")
    assert len(set(figures.values())) == 1, figures
    assert _heat_using(client, "liva") in (None, figures["api"])


def _org(db: Session, kind: str, offset: int) -> Organisation:
    return db.scalars(select(Organisation).where(Organisation.kind == kind).order_by(Organisation.id)
                      .offset(offset).limit(1)).one()


def _adopt(db: Session, org: Organisation, solution: Solution, status: str, days_ago: int,
           end: date | None = None) -> None:
    db.add(AdoptionRecord(organisation_id=org.id, solution_id=solution.id, status=status,
                          effective_from=clock.today() - timedelta(days=days_ago), end_date=end, reported_by="tests"))


def test_constructed_case_counts_only_what_is_in_operation_today(client: Any, db: Session) -> None:
    """In operation counts; pilot, planned, discontinued, ended, in operation only from
    tomorrow, a GP clinic (not benchmarked) and a project partner do not."""
    solution = make_solution(db)
    set_actor(db, None, "tests")
    a, b, c, d, e, f = (_org(db, "municipality", i) for i in range(20, 26))
    hospital, clinic = _org(db, "hospital", 3), _org(db, "gp_clinic", 0)
    _adopt(db, a, solution, "pilot", 400)
    _adopt(db, a, solution, "in_operation", 300)  # in operation since 300 days
    _adopt(db, a, solution, "in_operation", 100)  # a later report of the same status
    _adopt(db, hospital, solution, "in_operation", 50)
    _adopt(db, b, solution, "pilot", 30)
    _adopt(db, c, solution, "planned", 30)
    _adopt(db, d, solution, "in_operation", 300)
    _adopt(db, d, solution, "discontinued", 10)
    _adopt(db, e, solution, "in_operation", 300, end=clock.today() - timedelta(days=1))
    _adopt(db, f, solution, "in_operation", -1)
    _adopt(db, clinic, solution, "in_operation", 30)
    partner = _org(db, "national_body", 0)
    project = Project(slug=f"{solution.slug}-p", name="Projekt", owner_id=partner.id, stage="pilot",
                      description="Projekt om løsningen", solutions=[solution])
    db.add(project)
    db.commit()
    api = client.get(f"/api/solutions/{solution.slug}/adoption").json()
    assert api["in_use"] == 2 and api["pilots"] == 1
    assert {o["name"] for o in api["organisations"] if o["in_use"]} == {a.name, hospital.name}
    assert [o["status"] for o in api["organisations"]] == ["in_operation", "in_operation", "pilot", "planned"]
    since = {o["name"]: o["since"] for o in api["organisations"]}
    assert since[a.name] == (clock.today() - timedelta(days=300)).isoformat()  # the start of the run
    regions = {r["code"]: r["in_use"] for r in api["regions"]}
    region_of = {o.id: o.region_id for o in (a, hospital)}
    expected: dict[str, int] = {}
    for rid in region_of.values():
        code = db.get(Organisation, rid).code
        expected[code] = expected.get(code, 0) + 1
    assert {k: v for k, v in regions.items() if v} == expected
    assert _page_count(client, solution.slug) == 2
    assert {o.name for o in approvals.organisations_using(db, [solution.id])[solution.id]} == {a.name, hospital.name}
    assert _spread(client, solution.slug) == 2
    assert benchmark.adoption_of(db, [solution.id])[solution.id]["in_use"] == 2


def test_heat_table_and_adoption_agree_on_a_prioritised_solution(client: Any, db: Session) -> None:
    national = client.get("/api/benchmark/national").json()
    for row in national["heat"]["rows"][:5]:
        api = client.get(f"/api/solutions/{row['slug']}/adoption").json()
        assert {c["region"]: c["using"] for c in row["cells"]} == {r["code"]: r["in_use"] for r in api["regions"]}
