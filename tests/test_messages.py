"""Messages with values (app/messages.py): English text for the API and logs, translated
with their values on pages; every Message msgid has a Danish translation."""

from __future__ import annotations

import ast
import copy
import pickle
import string
from typing import Any

import pytest
from babel.messages.pofile import read_po

from app.approvals import lifecycle as lc
from app.assessment import pages as assessment_pages
from app.assessment import services as assessment_svc
from app.catalogue.enums import Priority
from app.errors import Conflict, ValidationFailed
from app.messages import Message, Term, message_of, translate
from app.settings import PROJECT_ROOT
from app.web.i18n import translations

LOCALE = PROJECT_ROOT / "app/web/locale"


def _po(language: str) -> dict[str, str]:
    with (LOCALE / f"{language}.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale=language) if m.id and isinstance(m.id, str)}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def _literal_calls(name: str) -> list[tuple[str, tuple[str, ...]]]:
    """(file, constant arguments) of every ``name(...)`` call in app/ whose arguments are literals."""
    found = []
    for path in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name
                    and node.args and all(isinstance(a, ast.Constant) and isinstance(a.value, str)
                                          for a in node.args)):
                found.append((str(path.relative_to(PROJECT_ROOT)),
                              tuple(a.value for a in node.args)))  # type: ignore[attr-defined]
    return found


# ---- the type --------------------------------------------------------------------------


def test_message_is_the_english_text_and_keeps_msgid_and_params() -> None:
    msg = Message("unanswered required criteria: {codes}", codes="N3.2, N3.3")
    assert msg == "unanswered required criteria: N3.2, N3.3"
    assert isinstance(msg, str) and type(str(msg)) is str and str(msg) == msg
    assert msg.msgid == "unanswered required criteria: {codes}" and msg.params == {"codes": "N3.2, N3.3"}
    assert Message("no {braces} needed") == "no {braces} needed"  # no values: not formatted


def test_message_survives_pickle_and_copy() -> None:
    msg = Message("{rule} (it is {status})", rule=Message("only a valid approval can be revoked"),
                  status=Term("approval", "expired"))
    for clone in (pickle.loads(pickle.dumps(msg)), copy.copy(msg), copy.deepcopy(msg)):
        assert clone == msg and type(clone) is Message
        assert clone.msgid == msg.msgid and clone.params == msg.params
        assert type(clone.params["status"]) is Term and clone.params["status"].msgid == "approval:expired"


def test_exception_keeps_the_message_in_args_and_str_gives_english() -> None:
    exc = Conflict(Message("assessment #{id} is {status}; answers can only change while it is a "
                           "draft or has been returned", id=7, status=Term("assessment", "in_review")))
    assert str(exc) == ("assessment #7 is in_review; answers can only change while it is a draft "
                        "or has been returned")
    assert type(str(exc)) is str and isinstance(message_of(exc), Message)
    assert message_of(ValueError("plain")) == "plain"
    failed = ValidationFailed({"slug": Message("'{slug}' is already used", slug="x")})
    assert str(failed) == "slug: 'x' is already used" and isinstance(failed.errors["slug"], Message)


def test_translation_fills_in_the_values_and_translates_nested_messages() -> None:
    da, en = translations("da").gettext, translations("en").gettext
    msg = Message("only a draft or returned assessment can be submitted; #{id} is {status}",
                  id=12, status=Term("assessment", "in_review"))
    assert translate(msg, da) == ("kun en kladde eller en vurdering, der er sendt retur, kan indsendes; "
                                  "#12 er under kontrol")
    assert translate(msg, en) == "only a draft or returned assessment can be submitted; #12 is in review"
    assert translate("Workflow", da) == "Arbejdsgang" and translate(None, da) is None
    assert Term("assessment", "no_such_status").in_language(da) == "no_such_status"


def test_a_translation_with_wrong_placeholders_falls_back_to_english() -> None:
    msg = Message("unanswered required criteria: {codes}", codes="N1")
    assert msg.in_language(lambda _msgid: "mangler: {koder}") == "unanswered required criteria: N1"


# ---- the catalogues --------------------------------------------------------------------


def test_every_message_has_a_danish_translation_with_the_same_placeholders() -> None:
    danish, english = _po("da"), _po("en")
    calls = _literal_calls("Message")
    assert len(calls) > 100
    problems = []
    for path, (msgid,) in calls:
        text = danish.get(msgid)
        if not text:
            problems.append(f"{path}: {msgid!r} has no Danish translation in da.po")
        elif _placeholders(text) != _placeholders(msgid):
            problems.append(f"{path}: {msgid!r}: da.po placeholders {sorted(_placeholders(text))}")
        if msgid not in english:
            problems.append(f"{path}: {msgid!r} is missing from en.po")
        elif english[msgid] and _placeholders(english[msgid]) != _placeholders(msgid):
            problems.append(f"{path}: {msgid!r}: en.po placeholders differ")
    assert not problems, "\n".join(problems)


def test_every_rule_has_a_danish_translation() -> None:
    danish = _po("da")
    assert all(isinstance(text, Message) for text in lc.RULES.values())
    assert not [code for code, text in lc.RULES.items() if not danish.get(text.msgid)]


TERMS = ([("assessment", s) for s in assessment_svc.STATUSES]
         + [("approval", s) for s in lc.STATUSES]
         + [("milestone", s) for s in lc.MILESTONE_STATUSES]
         + [("record", r) for r in ("solution", "project", "need", "vendor", "organisation")])


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_term_has_a_label(language: str) -> None:
    catalog = _po(language)
    terms = set(TERMS) | {args for _path, args in _literal_calls("Term") if len(args) == 2}
    missing = sorted(f"{kind}:{code}" for kind, code in terms if not catalog.get(f"{kind}:{code}"))
    assert not missing, f"add these to app/web/locale/{language}.po: {missing}"


# Codes shown with app.web.i18n.label: Danish comes from da.po, English falls back to the code.
LABELS = ([(assessment_pages.LABEL_KINDS["status"], s) for s in assessment_svc.STATUSES]
          + [(assessment_pages.LABEL_KINDS["section"], s) for s in ("passed", "failed", "pending", "not_assessed")]
          + [(assessment_pages.LABEL_KINDS["source"], s) for s in ("assessor", "vendor", "prefill")]
          + [(assessment_pages.LABEL_KINDS["verification"], s) for s in ("pending", "accepted", "queried")]
          + [("answer", s) for s in ("yes", "no", "na")]
          + [("report-priority", str(p)) for p in Priority]
          + [("report-count", k) for k in ("active", "extended", "became_permanent", "expired", "rejected",
                                           "revoked")])


def test_every_label_has_a_danish_translation() -> None:
    danish = _po("da")
    assert not sorted(f"{kind}:{code}" for kind, code in LABELS if not danish.get(f"{kind}:{code}"))


def test_every_literal_gettext_has_a_danish_translation() -> None:
    danish = _po("da")
    texts = {node.args[0].value for path in (PROJECT_ROOT / "app").rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "gettext"
             and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)}
    assert "Wrong e-mail or password, or the account is temporarily locked." in texts
    assert sorted(text for text in texts if not danish.get(text)) == []


# ---- the JSON API keeps the English text ---------------------------------------------------


def test_api_errors_keep_the_english_text_with_values(client: Any, auth: Any) -> None:
    r = client.post("/api/assessments", json={"solution_id": "selfback", "framework_id": "blaastempel-dk",
                                              "framework_version": "9.9"}, headers=auth("assessor"))
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["errors"]["framework_version"].startswith("no framework blaastempel-dk version 9.9 (versions: ")
    r = client.get("/api/assessments/987654321", headers=auth("assessor"))
    assert r.status_code == 404 and r.json()["detail"] == "assessment 987654321 does not exist"


def test_api_problems_are_english(client: Any, auth: Any) -> None:
    r = client.post("/api/assessments", json={"solution_id": "selfback", "framework_id": "blaastempel-dk",
                                              "framework_version": "1.0"}, headers=auth("assessor"))
    assert r.status_code in (200, 201), r.text
    problems = r.json()["problems"]
    assert problems and all(isinstance(v, str) for v in problems.values())
    assert any(v.startswith(("unanswered scope questions: ", "unanswered required criteria: "))
               for v in problems.values())
    submit = client.post(f"/api/assessments/{r.json()['id']}/submit", json={}, headers=auth("assessor"))
    assert submit.status_code == 400
    assert any(v.startswith(("unanswered scope questions: ", "unanswered required criteria: "))
               for v in submit.json()["errors"].values())


def test_error_page_of_invalid_fields_is_translated(client: Any) -> None:
    danish = client.get("/benchmark?format=csv&table=nope")
    assert danish.status_code == 400 and danish.headers["content-type"].startswith("text/html")
    assert "tabel: skal være en af: " in danish.text and "must be one of" not in danish.text  # the field's label
    english = client.get("/benchmark?format=csv&table=nope&lang=en")
    assert english.status_code == 400 and "table: must be one of " in english.text
    api = client.get("/benchmark?format=csv&table=nope", headers={"accept": "application/json"})
    assert api.status_code == 400 and api.json()["errors"]["table"].startswith("must be one of ")
    assert api.json()["detail"].startswith("table: must be one of ")


def test_every_fixed_error_text_has_danish() -> None:
    """The error page shows `_(detail)`: each literal text the error handlers answer with
    (and each reason they give for a parameter) needs a Danish translation."""
    import ast
    from pathlib import Path

    import app.web.errors
    from app.web.i18n import translations

    tree = ast.parse(Path(app.web.errors.__file__).read_text(encoding="utf-8"))
    literals: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "_respond" and len(node.args) > 2:
            shown = node.args[2]  # the detail
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            shown = node.value  # a parameter's reason
        else:
            continue
        if isinstance(shown, ast.Constant) and isinstance(shown.value, str):
            literals.add(shown.value)
    assert "the database is unavailable; try again shortly" in literals
    gettext = translations("da").gettext
    assert sorted(text for text in literals if gettext(text) == text) == []


def test_a_missing_record_is_named_with_the_right_danish_gender() -> None:
    """"intet projekt", "ingen løsning": every "{kind} {key} does not exist" names its kind as a
    Term("missing", ...), whose Danish label carries the article of the noun's gender."""
    kinds = []
    for path in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Message" and node.args
                    and getattr(node.args[0], "value", None) == "{kind} {key} does not exist"):
                kind = next(k.value for k in node.keywords if k.arg == "kind")
                assert isinstance(kind, ast.Call) and getattr(kind.args[0], "value", None) == "missing", path
                kinds.append(kind)
    assert len(kinds) >= 5
    gettext = translations("da").gettext
    missing = Message("{kind} {key} does not exist", kind=Term("missing", "project"), key="x")
    assert translate(missing, gettext) == "der findes intet projekt x"
    assert translate(Message("{kind} {key} does not exist", kind=Term("missing", "solution"), key="y"),
                     gettext) == "der findes ingen løsning y"
    danish = _po("da")
    for code, article in [("project", "intet"), ("need", "intet"), ("treatment area", "intet"), ("hospital", "intet"),
                          ("solution", "ingen"), ("vendor", "ingen"), ("organisation", "ingen"), ("region", "ingen"),
                          ("municipality", "ingen")]:
        assert danish[f"missing:{code}"].startswith(article + " "), code


def _plural_calls() -> list[tuple[str, str, str]]:
    """(file, one, other) of every ``plural("...", "...", n)`` in app/."""
    found = []
    for path in sorted((PROJECT_ROOT / "app").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "plural"
                    and all(isinstance(a, ast.Constant) for a in node.args[:2])):
                found.append((str(path.relative_to(PROJECT_ROOT)), node.args[0].value,  # type: ignore[attr-defined]
                              node.args[1].value))  # type: ignore[attr-defined]
    return found


def test_every_plural_has_both_danish_forms_with_the_same_placeholders() -> None:
    danish, english = _po("da"), _po("en")
    calls = _plural_calls()
    assert len(calls) >= 6
    problems = [f"{path}: {msgid!r}" for path, *forms in calls for msgid in forms
                if not danish.get(msgid) or _placeholders(danish[msgid]) != _placeholders(msgid)
                or msgid not in english]
    assert not problems


@pytest.mark.parametrize(("count", "danish", "english"), [
    (1, "1 kommune", "1 municipality"), (0, "0 kommuner", "0 municipalities"), (3, "3 kommuner", "3 municipalities")])
def test_a_count_takes_the_form_of_its_number(count: int, danish: str, english: str) -> None:
    from app.messages import plural

    msg = plural("{n} municipality", "{n} municipalities", count, n=count)
    assert msg == english and translate(msg, translations("da").gettext) == danish
    assert translations("da").ngettext("%(rows)s row: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.",
                                       "%(rows)s rows: %(created)s new, %(updated)s changed, %(unchanged)s unchanged.",
                                       count).startswith(f"%(rows)s {'række' if count == 1 else 'rækker'}:")


def test_a_rule_refusal_keeps_iso_dates_and_its_code_for_the_api_and_reads_plainly_on_a_page() -> None:
    from datetime import date

    from app.web.i18n import written

    violation = lc.RuleViolation("M2", Message("{rule} ({due})", rule=lc.RULES["M2"], due=date(2026, 12, 3)))
    api = message_of(violation)
    assert api == "rule M2: a milestone can be marked missed only after its due date (2026-12-03)"
    danish = translate(api, translations("da").gettext, written("da"))
    assert danish.endswith("(3. dec. 2026)") and "regel" not in danish and "M2" not in danish
    english = translate(api, translations("en").gettext, written("en"))
    assert english == "a milestone can be marked missed only after its due date (3 Dec 2026)"
