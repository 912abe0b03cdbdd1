"""Benchmark: save one answer + recompute the score, at the service level, on a real database.

Run: .venv/bin/python -m bench.bench_assessment  (BENCH_DATABASE_URL=... for PostgreSQL)

Builds a fresh database with the migrations and the demo seed, starts an assessment
against the framework with the most applicable criteria, and times save_answer (which
validates, writes and recomputes the cached score) 500 times, committing each one.
Target: p95 under 20 ms.
"""

from __future__ import annotations

import itertools
import time

from sqlalchemy import select

from app.accounts.services import principal_of, user_by_email
from app.assessment import services as svc
from app.assessment.loader import load_frameworks, parse_framework
from app.assessment.schema import Framework
from app.assessment.schemas import AnswerIn, AssessmentIn
from app.audit.hook import set_actor
from app.catalogue.models import Solution
from app.db.engine import make_engine
from app.registry import make_session_factory
from app.settings import PROJECT_ROOT
from bench.common import bench_database_url, percentiles, prepare_database

N = 500
TARGET_P95_MS = 20.0
WANTED_CRITERIA = 70


def _with_extra_criteria(fw: Framework, tier: str | None, wanted: int) -> Framework:
    """The shipped frameworks stop at 68 applicable criteria; the target is stated for 70,
    so the bench adds weighted yes/no criteria to the largest one (as data, like a file would)."""
    data = fw.model_dump(mode="json", exclude_none=True)
    missing = wanted - len(fw.applicable_criteria(tier))
    section = next(s for s in data["sections"] if s.get("mode") == "weighted")
    for n in range(max(0, missing)):
        section["criteria"].append({
            "code": f"BENCH{n + 1}", "question_da": f"Benchmark-kriterium {n + 1}?",
            "question_en": f"Benchmark criterion {n + 1}?", "answer_type": "yes_no", "weight": 1})
    data["id"], data["version"] = f"{fw.id}-bench{wanted}", "bench"
    return parse_framework(data, "<bench>")


def _value(c: object, i: int) -> object:
    kind = c.answer_type  # type: ignore[attr-defined]
    if kind in ("yes_no", "yes_no_na"):
        return "yes" if i % 2 else "no"
    if kind == "choice":
        return c.options[i % len(c.options)].value  # type: ignore[attr-defined]
    if kind == "multi_choice":
        return [c.options[i % len(c.options)].value]  # type: ignore[attr-defined]
    if kind == "rating":
        return int(c.min) + i % int(c.max - c.min + 1)  # type: ignore[attr-defined]
    if kind == "number":
        return c.min if c.min is not None else i  # type: ignore[attr-defined]
    if kind == "date":
        return f"2024-01-{1 + i % 28:02d}"
    if kind == "evidence_link":
        return f"https://example.org/evidence/{i}"
    return f"svar {i}"


def main() -> None:
    url = bench_database_url("assessment")
    prepare_database(url)
    registry = load_frameworks(PROJECT_ROOT / "frameworks")
    largest, tier = max(((f, t) for f in registry for t in (f.tiers or (None,))),
                        key=lambda pair: len(pair[0].applicable_criteria(pair[1])))
    fw = _with_extra_criteria(largest, tier, WANTED_CRITERIA)
    registry.add(fw, "<bench>")
    criteria = fw.applicable_criteria(tier)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as s, s.begin():
        set_actor(s, None, "bench")
        user = user_by_email(s, "bedoemmer1@demo.blaastempel.dk")
        assert user is not None
        principal = principal_of(user)
        solution_id = s.scalar(select(Solution.id).where(Solution.slug == "selfback"))
        a = svc.start_assessment(s, principal, registry, AssessmentIn(
            solution_id=solution_id, framework_id=fw.id, framework_version=fw.version))
        assessment_id = a.id
        if fw.scope_questions:
            raise SystemExit("pick a framework without scope questions for this bench")
    versions: dict[str, int] = {}
    samples: list[float] = []
    cycle = itertools.cycle(criteria)
    for i in range(N + 20):
        c = next(cycle)
        start = time.perf_counter()
        with factory() as s, s.begin():
            set_actor(s, principal.id, principal.audit_label)
            answer, _ = svc.save_answer(s, principal, registry, assessment_id, c.code, AnswerIn(
                value=_value(c, i), version=versions.get(c.code)))
            s.flush()
            versions[c.code] = answer.version
        elapsed = (time.perf_counter() - start) * 1000
        if i >= 20:  # warm-up
            samples.append(elapsed)
    engine.dispose()
    stats = percentiles(samples)
    print(f"framework {fw.id} (from {largest.id} {largest.version}, tier {tier}): "
          f"{len(criteria)} applicable criteria")
    print(f"save_answer + recompute + commit, n={stats['n']}: p50 {stats['p50']:.2f} ms, "
          f"p95 {stats['p95']:.2f} ms, max {stats['max']:.2f} ms (target p95 < {TARGET_P95_MS:.0f} ms)")
    print("database:", url.split("://")[0])


if __name__ == "__main__":
    main()
