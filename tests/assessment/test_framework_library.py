"""Framework versions as managed content (app.assessment.library): uploads are checked and
refused naming the file and the path, kept as drafts with their diff, published only on
confirmation, seen by every process, never change a version an assessment is pinned to
except its wording, only an admin may, and every step is audited.

Runs on a scratch database of its own: publishing changes the app's frameworks."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select

from app.assessment.library import MAX_BYTES, diff_frameworks
from app.assessment.loader import parse_framework
from app.assessment.models import FrameworkUpload
from app.audit.models import AuditEvent
from app.main import create_app
from app.settings import Settings
from tests.assessment.helpers import FRAMEWORKS_DIR
from tests.helpers import DEMO_USERS, login
from tests.scratch import drop_postgres, scratch_database

pytestmark = pytest.mark.slow  # a scratch database and several apps

DTAC = yaml.safe_load((FRAMEWORKS_DIR / "nhs-dtac-1.0.yaml").read_text(encoding="utf-8"))
ESF = yaml.safe_load((FRAMEWORKS_DIR / "nice-esf-2022.yaml").read_text(encoding="utf-8"))
API = "/api/framework-library"


def variant(base: dict[str, Any], change: Callable[[dict[str, Any]], None] | None = None,
            **top: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data.update(top)
    if change:
        change(data)
    return data


def as_yaml(data: dict[str, Any]) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def criterion(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(c for s in data["sections"] for c in s["criteria"] if c["code"] == code)


@pytest.fixture(scope="module")
def lib_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    url = scratch_database(tmp_path_factory.mktemp("library"), "library")
    yield Settings(database_url=url, secret_key="library-secret-key-0123456789abcdef")
    if url.startswith("postgresql"):
        drop_postgres(url)


@pytest.fixture(scope="module")
def lib_app(lib_settings: Settings) -> Iterator[Litestar]:
    app = create_app(lib_settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def other_app(lib_settings: Settings) -> Iterator[Litestar]:
    """A second server process on the same database, started before anything is published."""
    app = create_app(lib_settings)
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def tokens(lib_app: Litestar) -> dict[str, str]:
    from app.accounts.services import create_token, user_by_email

    with lib_app.state.session_factory() as session, session.begin():
        return {role: create_token(session, user_by_email(session, email), "library")
                for role, email in DEMO_USERS.items()}


@pytest.fixture()
def api(lib_app: Litestar, tokens: dict[str, str]) -> Iterator[Callable[..., Any]]:
    with TestClient(lib_app) as client:
        def call(method: str, path: str, role: str = "admin", **kwargs: Any) -> Any:
            return client.request(method, path, headers={"Authorization": f"Bearer {tokens[role]}"}, **kwargs)
        yield call


def send(api: Callable[..., Any], filename: str, content: bytes, role: str = "admin") -> Any:
    return api("POST", f"{API}/uploads", role, files={"file": (filename, content, "application/yaml")})


def count(app: Litestar, model: Any = FrameworkUpload) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# ---- refused files ----------------------------------------------------------------------------


def test_a_validation_error_names_the_uploaded_file_and_the_path(api: Any, lib_app: Litestar) -> None:
    def negative_weight(data: dict[str, Any]) -> None:
        data["sections"][2]["criteria"][0]["weight"] = -1

    before = count(lib_app)
    r = send(api, "dtac-rettet.yaml", as_yaml(variant(DTAC, negative_weight, version="1.9")))
    assert r.status_code == 400, r.text
    reason = r.json()["errors"]["file"]
    assert reason.startswith("dtac-rettet.yaml, sections[2].criteria[0].weight: "), reason
    assert "sections[2].criteria[0].weight" in r.json()["errors"]
    assert count(lib_app) == before


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("kaputt.yaml", b"id: [unclosed\n", "invalid YAML"),
    ("latin1.yaml", "id: nhs-dtac\ntitle_da: Sundhed på æøå\n".encode("latin-1"), "is not UTF-8 text"),
    ("empty.yaml", b"  \n", "the file is empty"),
    ("list.yaml", b"- a\n- b\n", "the file must contain a mapping"),
    ("big.yaml", b"#" * (MAX_BYTES + 1), "larger than 500 kB"),
    ("dupe.yaml", None, "exists and assessments may be pinned to it"),
    ("same.yaml", as_yaml(DTAC), "already has exactly this content"),
])
def test_a_bad_file_gets_a_clear_error_and_nothing_is_kept(api: Any, lib_app: Litestar, name: str,
                                                          content: bytes | None, expected: str) -> None:
    if content is None:  # the seed version itself, with a structural change: refused
        content = as_yaml(variant(DTAC, lambda d: criterion(d, "C1.1").update(gate=False)))
    before = count(lib_app)
    r = send(api, name, content)
    assert r.status_code == 400, r.text
    assert expected in r.json()["errors"]["file"] and name in r.json()["errors"]["file"]
    assert count(lib_app) == before


def test_a_request_far_over_the_limit_is_refused_before_it_is_read(api: Any) -> None:
    r = send(api, "huge.yaml", b"#" * (2 * MAX_BYTES))
    assert r.status_code == 413 and "500 kB" in r.json()["errors"]["file"]


def test_a_structural_change_to_an_existing_version_says_to_give_a_new_version_number(api: Any) -> None:
    def reweight(data: dict[str, Any]) -> None:
        criterion(data, "D1.1")["weight"], criterion(data, "D1.2")["weight"] = 5, 15
        criterion(data, "C1.1")["question_en"] = "Reworded too"

    r = send(api, "dtac-1.0.yaml", as_yaml(variant(DTAC, reweight)))
    assert r.status_code == 400
    reason = r.json()["errors"]["file"]
    assert "D1.1: weight" in reason and "Give it a new version number" in reason


# ---- the diff ---------------------------------------------------------------------------------


def test_the_diff_names_every_kind_of_change() -> None:
    def edit(data: dict[str, Any]) -> None:
        sections = data["sections"]
        sections[0]["criteria"].pop()  # the last of section A removed
        sections[0]["criteria"].append({"code": "A99", "question_da": "Nyt spørgsmål", "question_en": "New question",
                                        "answer_type": "text"})
        criterion(data, "C1.2")["question_da"] = "Ny ordlyd"
        criterion(data, "C1.2")["help_en"] = "New help"
        criterion(data, "D1.1")["weight"], criterion(data, "D1.2")["weight"] = 5, 15
        criterion(data, "C3.1")["gate"] = False
        criterion(data, "C1.3.1")["required"] = True
        criterion(data, "C2.3.1")["applies_when"] = None
        sections[6]["title_en"] = "Usability and accessibility (reworded)"

    old = parse_framework(variant(DTAC))
    diff = diff_frameworks(old, parse_framework(variant(DTAC, edit, version="1.1")))
    last = DTAC["sections"][0]["criteria"][-1]["code"]
    assert [i["code"] for i in diff["added"]] == ["A99"] and [i["code"] for i in diff["removed"]] == [last]
    reworded = {(i["code"], c["field"]): (c["before"], c["after"]) for i in diff["reworded"] for c in i["changes"]}
    assert reworded[("C1.2", "question_da")][1] == "Ny ordlyd"
    assert reworded[("C1.2", "help_en")] == (criterion(DTAC, "C1.2").get("help_en"), "New help")
    assert ("D1", "title_en") in reworded
    assert {(i["code"], i["before"], i["after"]) for i in diff["reweighted"]} == {("D1.1", 10, 5), ("D1.2", 10, 15)}
    assert {(i["code"], i["field"], i["after"]) for i in diff["gates"]} == {
        ("C3.1", "gate", False), ("C1.3.1", "required", True)}
    assert {"code": "C2.3.1", "kind": "criterion", "fields": ["applies_when"]} in diff["structure"]
    assert not diff["wording_only"]


def test_only_texts_changed_is_wording_only_and_option_labels_count_as_texts() -> None:
    def reword(data: dict[str, Any]) -> None:
        crit = criterion(data, "C1.1")
        crit["question_en"] = "Clinical risk management (DCB0129) carried out?"
        data["description_da"] = "Ny beskrivelse"

    diff = diff_frameworks(parse_framework(variant(DTAC)), parse_framework(variant(DTAC, reword)))
    assert diff["wording_only"] and not diff["empty"]
    assert {i["kind"] for i in diff["reworded"]} == {"framework", "criterion"}
    esf = parse_framework(variant(ESF))
    with_labels = variant(ESF)
    for option in with_labels["sections"][0]["criteria"][0].get("options", []):
        option["label_en"] += " (official)"
    assert diff_frameworks(esf, parse_framework(with_labels))["wording_only"]


# ---- publishing -------------------------------------------------------------------------------


def _start(client_call: Callable[..., Any], framework: str, version: str) -> Any:
    return client_call("POST", "/api/assessments", "assessor",
                       json={"solution_id": "selfback", "framework_id": framework, "framework_version": version})


def test_publish_makes_a_new_version_startable_in_every_process(api: Any, lib_app: Litestar, other_app: Litestar,
                                                                tokens: dict[str, str]) -> None:
    other = TestClient(other_app)
    other.__enter__()
    try:
        assessor = {"Authorization": f"Bearer {tokens['assessor']}"}
        assert other.get("/api/frameworks/nhs-dtac/1.1").status_code == 404  # the other process is running

        def edit(data: dict[str, Any]) -> None:
            criterion(data, "D1.1")["weight"], criterion(data, "D1.2")["weight"] = 5, 15

        r = send(api, "nhs-dtac-1.1.yaml", as_yaml(variant(DTAC, edit, version="1.1", superseded=False)))
        assert r.status_code == 201, r.text
        draft = r.json()
        assert draft["status"] == "draft" and draft["kind"] == "new" and draft["base_version"] == "1.0"
        assert _start(api, "nhs-dtac", "1.1").status_code == 400  # a draft cannot be used
        assert api("GET", f"{API}/uploads/{draft['id']}").json()["diff"]["reweighted"]

        r = api("POST", f"{API}/uploads/{draft['id']}/publish", json={"version": draft["version"]})
        assert r.status_code == 200 and r.json()["status"] == "published", r.text
        assert api("POST", f"{API}/uploads/{draft['id']}/publish").status_code == 409  # only once

        started = other.post("/api/assessments", headers=assessor, json={
            "solution_id": "selfback", "framework_id": "nhs-dtac", "framework_version": "1.1"})
        assert started.status_code == 201, started.text  # no restart
        with TestClient(create_app(Settings(database_url=lib_app.state.settings.database_url,
                                            secret_key="x" * 32))) as fresh:
            assert fresh.get("/api/frameworks/nhs-dtac/1.1").status_code == 200
        listed = api("GET", API).json()
        assert {"framework_id": "nhs-dtac", "version": "1.1", "status": "published"}.items() <= next(
            v for v in listed["versions"] if v["version"] == "1.1" and v["framework_id"] == "nhs-dtac").items()
    finally:
        other.__exit__(None, None, None)


def test_a_running_assessment_stays_on_its_version(api: Any) -> None:
    started = _start(api, "nhs-dtac", "1.0")
    assert started.status_code == 201, started.text
    before = api("GET", f"/api/assessments/{started.json()['id']}", "assessor").json()

    def edit(data: dict[str, Any]) -> None:
        data["sections"][0]["criteria"].pop()
        criterion(data, "C3.1")["gate"] = False

    draft = send(api, "nhs-dtac-1.2.yaml", as_yaml(variant(DTAC, edit, version="1.2"))).json()
    assert api("POST", f"{API}/uploads/{draft['id']}/publish").status_code == 200
    after = api("GET", f"/api/assessments/{started.json()['id']}", "assessor").json()
    assert after["framework"]["version"] == "1.0" and after == before
    one_o = api("GET", "/api/frameworks/nhs-dtac/1.0").json()
    assert criterion(one_o, "C3.1")["gate"] is True and criterion(one_o, "A6")


def test_new_wording_of_an_existing_version_replaces_it_in_place(api: Any, lib_app: Litestar) -> None:
    running = _start(api, "nice-esf", "2022")
    assert running.status_code == 201, running.text

    def official(data: dict[str, Any]) -> None:
        crit = next(c for s in data["sections"] for c in s["criteria"] if c.get("awaiting_source") == "Standard 5")
        del crit["awaiting_source"]
        crit["question_da"] = "Standard 5: officiel titel"
        crit["question_en"] = "Standard 5: official title"

    code = next(c["code"] for s in ESF["sections"] for c in s["criteria"] if c.get("awaiting_source") == "Standard 5")
    r = send(api, "nice-esf-2022.yaml", as_yaml(variant(ESF, official)))
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "rewording" and r.json()["diff"]["wording_only"]
    assert "titel afventer kilde" in criterion(api("GET", "/api/frameworks/nice-esf/2022").json(), code)["question_da"]
    assert api("POST", f"{API}/uploads/{r.json()['id']}/publish").status_code == 200
    assert criterion(api("GET", "/api/frameworks/nice-esf/2022").json(), code)["question_en"] == \
        "Standard 5: official title"
    view = api("GET", f"/api/assessments/{running.json()['id']}", "assessor")
    assert view.status_code == 200 and view.json()["framework"]["version"] == "2022"
    with TestClient(lib_app) as client:
        assert "Standard 5: officiel titel" in client.get("/frameworks/nice-esf/2022").text

    # Once more, with better wording: the later upload wins, the earlier one is marked replaced.
    better = variant(ESF, official)
    criterion(better, code)["question_en"] = "Standard 5: official title, corrected"
    second = send(api, "nice-esf-2022-b.yaml", as_yaml(better)).json()
    assert api("POST", f"{API}/uploads/{second['id']}/publish").status_code == 200
    assert criterion(api("GET", "/api/frameworks/nice-esf/2022").json(), code)["question_en"].endswith("corrected")
    uploads = {u["id"]: u for u in api("GET", API).json()["uploads"]}
    assert uploads[r.json()["id"]]["replaced"] and not uploads[second["id"]]["replaced"]


def test_discard_keeps_the_draft_out_and_is_final(api: Any) -> None:
    draft = send(api, "mast.yaml", as_yaml(variant(DTAC, version="7.0"))).json()
    r = api("POST", f"{API}/uploads/{draft['id']}/discard", json={"version": draft["version"]})
    assert r.status_code == 200 and r.json()["status"] == "discarded"
    assert api("POST", f"{API}/uploads/{draft['id']}/publish").status_code == 409
    assert api("GET", "/api/frameworks/nhs-dtac/7.0").status_code == 404


def test_a_stale_decision_is_refused(api: Any) -> None:
    draft = send(api, "stale.yaml", as_yaml(variant(DTAC, version="8.0"))).json()
    r = api("POST", f"{API}/uploads/{draft['id']}/publish", json={"version": draft["version"] + 1})
    assert r.status_code == 409
    assert api("POST", f"{API}/uploads/{draft['id']}/discard").status_code == 200


# ---- who may, and the trail -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["assessor", "approver", "procurement", "vendor", "org_reporter"])
def test_only_an_admin_may(api: Any, lib_app: Litestar, role: str) -> None:
    before = count(lib_app)
    assert send(api, "x.yaml", as_yaml(variant(DTAC, version="9.0")), role).status_code == 403
    assert api("GET", API, role).status_code == 403
    assert api("GET", f"{API}/uploads/1", role).status_code == 403
    assert api("POST", f"{API}/uploads/1/publish", role).status_code == 403
    assert api("POST", f"{API}/uploads/1/discard", role).status_code == 403
    with TestClient(lib_app) as client:
        assert client.post(f"{API}/uploads", files={"file": ("x.yaml", b"id: x")}).status_code == 401
        login(client, role)
        assert client.get("/admin/frameworks").status_code == 403
        assert client.get("/admin/frameworks/uploads/1").status_code == 403
    assert count(lib_app) == before


def test_upload_publish_and_discard_are_audited(api: Any, lib_app: Litestar) -> None:
    published = send(api, "audit-a.yaml", as_yaml(variant(DTAC, version="3.1"))).json()
    api("POST", f"{API}/uploads/{published['id']}/publish")
    discarded = send(api, "audit-b.yaml", as_yaml(variant(DTAC, version="3.2"))).json()
    api("POST", f"{API}/uploads/{discarded['id']}/discard")
    with lib_app.state.session_factory() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "framework_upload",
                                                          AuditEvent.entity_id.in_([published["id"],
                                                                                    discarded["id"]]))
                                 .order_by(AuditEvent.id)).all()
    trail = [(e.entity_id, e.action, (e.after or {}).get("status")) for e in events]
    assert trail == [(published["id"], "create", "draft"), (published["id"], "update", "published"),
                     (discarded["id"], "create", "draft"), (discarded["id"], "update", "discarded")], trail
    assert all(e.actor_label.startswith(DEMO_USERS["admin"]) for e in events)
    assert events[0].after and events[0].after["filename"] == "audit-a.yaml"


# ---- the pages --------------------------------------------------------------------------------


def test_the_pages_upload_show_the_diff_and_publish(lib_app: Litestar, tmp_path: Path) -> None:
    with TestClient(lib_app) as client:
        login(client, "admin")
        page = client.get("/admin/frameworks")
        assert page.status_code == 200 and "Rammeværksbibliotek" in page.text and "Grundfil" in page.text
        assert 'id="framework-library-link"' in client.get("/frameworks").text
        csrf = {"_csrf_token": client.cookies.get("csrftoken", "")}

        def negative(data: dict[str, Any]) -> None:
            data["sections"][2]["criteria"][0]["weight"] = -1

        bad = client.post("/admin/frameworks/uploads", data=csrf,
                          files={"file": ("ugyldig.yaml", as_yaml(variant(DTAC, negative, version="4.0")))})
        assert bad.status_code == 400 and "ugyldig.yaml, sections[2].criteria[0].weight" in bad.text
        assert "Filen blev ikke godkendt" in bad.text

        def edit(data: dict[str, Any]) -> None:
            criterion(data, "C1.2")["question_da"] = "Ny ordlyd til C1.2"

        good = client.post("/admin/frameworks/uploads", data=csrf, follow_redirects=False,
                           files={"file": ("dtac-4.1.yaml", as_yaml(variant(DTAC, edit, version="4.1")))})
        assert good.status_code in (302, 303), good.text
        diff = client.get(good.headers["location"])
        assert diff.status_code == 200 and "Ny ordlyd til C1.2" in diff.text and ">Udgiv<" in diff.text
        assert "question_da" not in diff.text and "Spørgsmål (dansk)" in diff.text
        published = client.post(good.headers["location"] + "/publish", data=csrf, follow_redirects=False)
        assert published.status_code in (302, 303)
        assert "Udgivet" in client.get(good.headers["location"]).text
        assert "/frameworks/nhs-dtac/4.1" in client.get("/frameworks").text
