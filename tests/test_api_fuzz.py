"""Schemathesis against the app's own OpenAPI schema, in process (ASGI).

Every operation gets a small, deterministic batch of generated requests (valid and
invalid), once anonymously and once with an admin bearer token: no response may be a
5xx and every documented response must match its schema. The fuzzer writes freely, so
it runs against its own scratch database (tests/scratch.py), never the shared one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from app.main import create_app
from app.settings import Settings
from tests.helpers import DEMO_USERS
from tests.scratch import drop_postgres, scratch_database

pytestmark = pytest.mark.fuzz

# ~55 operations x 2 identities; a handful of examples each keeps the whole module near
# a minute on a 2-core machine. FUZZ_EXAMPLES raises it for a deeper local run.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# Per identity, a stop for a stalled or starved run rather than the expected duration.
TIME_BUDGET = float(os.environ.get("FUZZ_SECONDS", "240"))
# The least a run must do, per identity: every operation in every mode that has a request to
# make (one without parameters has no invalid request), and MAX_EXAMPLES examples per
# operation in all. Less fails the test: a run cut short by its time budget, or one whose
# generator produced next to nothing, proves nothing.
MIN_EXAMPLES_PER_OPERATION = MAX_EXAMPLES
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    url = scratch_database(tmp_path_factory.mktemp("fuzz"), "fuzz")
    app = create_app(Settings(database_url=url, secret_key="fuzz-secret-key-0123456789abcdef"))
    from app.accounts.services import create_token, user_by_email

    with app.state.session_factory() as session, session.begin():
        admin = user_by_email(session, DEMO_USERS["admin"])
        app.state.fuzz_admin_token = create_token(session, admin, "fuzz")
    yield app
    from schemathesis.python.asgi import shutdown_lifespans

    shutdown_lifespans()
    app.state.engine.dispose()
    if url.startswith("postgresql"):
        drop_postgres(url)


@pytest.fixture(scope="module")
def api_schema(fuzz_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/schema/openapi.json", fuzz_app)


FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
    phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
)


def _fuzz(api_schema: Any, headers: dict[str, str] | None) -> None:
    """Each operation, valid and invalid data. (schemathesis' pytest plugin does not
    work with this pytest version, so the loop over operations is ours.)"""
    failures: list[str] = []
    timings: dict[str, float] = {}
    unfuzzed: list[str] = []
    examples = 0
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 40, "the OpenAPI schema lost its operations"
    deadline = time.monotonic() + TIME_BUDGET
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            label = f"{operation.label} [{mode}]"
            if time.monotonic() > deadline:
                unfuzzed.append(label)
                continue
            started = time.monotonic()
            try:
                examples += _examples(operation, mode, headers)
            except Unsatisfiable:
                # No invalid request exists for an operation without parameters.
                continue
            except (Exception, BaseExceptionGroup) as exc:  # collect them all, report together
                failures.append(f"{label}: {exc}"[:3000])
            finally:
                timings[label] = time.monotonic() - started
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:8]
    print(f"{examples} examples; slowest operations:", ", ".join(f"{k} {v:.1f}s" for k, v in slowest))
    assert not failures, "\n\n".join(failures)
    assert not unfuzzed, f"fuzz time budget ({TIME_BUDGET:.0f}s) spent; not fuzzed: {', '.join(unfuzzed)}"
    minimum = MIN_EXAMPLES_PER_OPERATION * len(operations)
    assert examples >= minimum, f"only {examples} examples ran, fewer than the minimum of {minimum}"


def _examples(operation: Any, mode: GenerationMode, headers: dict[str, str] | None) -> int:
    """Fuzz one operation in one mode; how many examples ran."""
    ran = 0

    @FUZZ_SETTINGS
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        nonlocal ran
        ran += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
    return ran


def test_fuzz_anonymous(api_schema: Any) -> None:
    _fuzz(api_schema, None)


def test_fuzz_admin(api_schema: Any, fuzz_app: Any) -> None:
    _fuzz(api_schema, {"Authorization": f"Bearer {fuzz_app.state.fuzz_admin_token}"})
