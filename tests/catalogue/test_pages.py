"""The catalogue's HTML pages (Jinja + HTMX) against a real, migrated, seeded database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract
from sqlalchemy import select

from app.catalogue import enums
from app.catalogue.models import Need, Project, Solution, Vendor
from app.core.roles import Role
from app.settings import PROJECT_ROOT
from tests.helpers import login, unique


def _csrf(client: Any) -> str:
    if not client.cookies.get("csrftoken"):
        client.get("/")
    token = client.cookies.get("csrftoken")
    assert token
    return token


def _vendor_id(db: Any, name: str = "SelfBack") -> int:
    vendor_id = db.scalar(select(Vendor.id).where(Vendor.name == name))
    assert vendor_id is not None
    return vendor_id


def _solution_form(client: Any, db: Any, **overrides: Any) -> dict[str, Any]:
    form = {"_csrf_token": _csrf(client), "name": unique("Rygtræner"), "slug": "",
            "vendor_id": str(_vendor_id(db)), "short_description_da": "Træning mod lænderygsmerter",
            "short_description_en": "", "description_da": "", "description_en": "",
            "purpose": "treatment", "treatment_areas": ["laenderygsmerter"], "target_users": "citizen",
            "origin": "private", "country": "dk", "regulatory_class": "ce_i", "regulation": "mdr",
            "has_dpia": "true", "integrations": ["mitid", "fhir"], "trl": "7",
            "capacity_fte_per_100k": "1,5", "website": "", "published": "true"}
    return form | overrides


def _solution(db: Any, name: str) -> Solution | None:
    db.expire_all()
    return db.scalar(select(Solution).where(Solution.name == name))


def _main(html: str) -> str:
    """The page's <main> only, so that menu items do not satisfy assertions."""
    match = re.search(r"<main.*?</main>", html, re.S)
    assert match, html[:500]
    return match.group(0)


# ---- lists -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/solutions", "/projects", "/needs", "/vendors", "/organisations"])
def test_list_pages_render_in_danish_by_default(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text
    assert '<html lang="da">' in response.text
    assert "Viser 1–" in response.text
    assert "<th scope=\"col\">" in response.text


def test_solution_filter_by_treatment_area(client: Any) -> None:
    response = client.get("/solutions", params={"treatment_area": "laenderygsmerter"})
    main = _main(response.text)
    assert ">SelfBack</a>" in main
    assert "KOL-Træning Online" not in main  # KOL and rehabilitation only
    assert "Telemedicinsk hjemmemonitorering af KOL" not in main
    # the chosen filter stays selected, labels are Danish
    assert '<option value="laenderygsmerter" selected>Lænderygsmerter</option>' in main
    assert "Behandling" in main


def test_solution_filters_combine_and_text_search(client: Any) -> None:
    main = _main(client.get("/solutions", params={"q": "selfb", "purpose": "treatment"}).text)
    assert ">SelfBack</a>" in main and ">Liva</a>" not in main
    none = _main(client.get("/solutions", params={"q": "selfb", "purpose": "diagnosis"}).text)
    assert "Ingen løsninger passer til filtrene." in none
    # unknown enum values are ignored rather than failing the page
    assert client.get("/solutions", params={"purpose": "nonsense"}).status_code == 200


def test_needs_ranked_by_endorsements(client: Any, db: Any) -> None:
    main = _main(client.get("/needs").text)
    slugs = re.findall(r'<a href="/needs/([a-z0-9-]+)">', main)
    counts = {n.slug: n.endorsement_count for n in db.scalars(select(Need))}
    ranked = [counts[s] for s in slugs]
    assert ranked == sorted(ranked, reverse=True) and len(ranked) > 3


def test_pagination(client: Any) -> None:
    first = client.get("/organisations").text
    total = re.search(r"Viser 1–25 af ([\d.]+)", first)
    assert total, _main(first)[:2000]
    assert 'href="/organisations?offset=25"' in first and 'rel="prev"' not in first
    second = client.get("/organisations", params={"offset": 25}).text
    assert f"Viser 26–50 af {total.group(1)}" in second
    assert 'href="/organisations"' in second and 'rel="prev"' in second
    filtered = client.get("/organisations", params={"kind": "region"}).text
    assert "Viser 1–5 af 5" in filtered and 'rel="next"' not in filtered


def test_pagination_links_keep_the_filters(client: Any) -> None:
    page = client.get("/organisations", params={"kind": "municipality"}).text
    assert 'href="/organisations?kind=municipality&amp;offset=25"' in page


def test_htmx_request_gets_only_the_results(client: Any) -> None:
    # other tests add KOL solutions of their own: the name keeps this one on the first page
    response = client.get("/solutions", params={"treatment_area": "kol", "q": "KOL-Træning Online"},
                          headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and "<form" not in response.text
    assert "KOL-Træning Online" in response.text and ">SelfBack</a>" not in response.text
    assert 'id="result-count"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "HX-Request" in response.headers.get("vary", "")
    # a history restore wants the whole page
    restore = client.get("/solutions", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_filter_form_works_with_and_without_javascript(client: Any) -> None:
    page = client.get("/solutions").text
    assert '<form class="filters" method="get" action="/solutions"' in page
    assert 'hx-get="/solutions"' in page and 'hx-push-url="true"' in page
    assert '<label for="filter-q">' in page


# ---- language ----------------------------------------------------------------------


def test_english_switch_shows_english_labels(client: Any) -> None:
    response = client.get("/lang/en", params={"next": "/solutions?treatment_area=laenderygsmerter"})
    assert response.status_code == 200  # followed the redirect
    page = client.get("/solutions", params={"treatment_area": "laenderygsmerter"}).text
    assert '<html lang="en">' in page
    main = _main(page)
    assert "<h1>Solutions</h1>" in main and "Showing 1–" in main
    assert "Low back pain" in main and "Treatment" in main and "CE class I" in main
    detail = _main(client.get("/solutions/selfback").text)
    assert "App that helps people with low back pain" in detail
    assert "Citizens" in detail
    client.get("/lang/da")
    assert "<h1>Løsninger</h1>" in client.get("/solutions").text


# ---- details -----------------------------------------------------------------------


def test_solution_detail(client: Any) -> None:
    main = _main(client.get("/solutions/selfback").text)
    assert "<h1>SelfBack</h1>" in main
    assert re.search(r'<a href="/vendors/\d+">SelfBack</a>', main)
    assert "Lænderygsmerter" in main and "Behandling" in main and "CE klasse I" in main
    assert "MitID" in main
    assert "/projects/selfback-hoeje-taastrup" in main  # projects that use it
    assert "Ændringshistorik" not in main  # anonymous: no audit
    assert "/solutions/selfback/edit" not in main


def test_solution_detail_unknown_is_404(client: Any) -> None:
    response = client.get("/solutions/no-such-solution")
    assert response.status_code == 404
    assert "Siden findes ikke" in response.text


def test_project_detail_links_owner_partners_solutions_needs(client: Any) -> None:
    main = _main(client.get("/projects/selfback-vestegnen").text)
    assert "SelfBack på Vestegnen" in main
    assert re.search(r'<a href="/organisations/\d+">[^<]+</a>', main)
    assert 'href="/solutions/selfback"' in main
    assert 'href="/needs/laenderygsmerter-egenbehandling"' in main
    assert "850.000 kr." in main and "Pilot" in main


def test_need_detail_lists_endorsers_and_projects(client: Any, db: Any) -> None:
    need = db.scalar(select(Need).where(Need.slug == "laenderygsmerter-egenbehandling"))
    main = _main(client.get("/needs/laenderygsmerter-egenbehandling").text)
    assert f'<strong id="endorsement-count">{need.endorsement_count}</strong>' in main
    assert "Organisationer, der deler behovet" in main
    assert 'href="/projects/selfback-hoeje-taastrup"' in main
    assert "endorse-form" not in main  # anonymous may not endorse


def test_organisation_detail(client: Any) -> None:
    main = _main(client.get("/organisations/municipality:169").text)
    assert "Høje-Taastrup" in main and "Kommune" in main
    assert re.search(r"Indbyggertal</dt><dd>[\d.]+ \(i 20\d\d\)", main)
    assert 'href="/projects/selfback-hoeje-taastrup"' in main
    assert 'href="/needs/laenderygsmerter-egenbehandling"' in main


def test_vendor_detail_lists_its_solutions(client: Any, db: Any) -> None:
    main = _main(client.get(f"/vendors/{_vendor_id(db)}").text)
    assert "<h1>SelfBack</h1>" in main and 'href="/solutions/selfback"' in main


def test_staff_see_audit_history(client: Any) -> None:
    login(client, "assessor")
    main = _main(client.get("/solutions/selfback").text)
    assert "Ændringshistorik" in main and "tests:seed" in main and "Oprettet" in main


# ---- forms: solutions --------------------------------------------------------------


def test_anonymous_is_sent_to_login_for_new(client: Any) -> None:
    response = client.get("/solutions/new", follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/login?next=/solutions/new"


def test_create_buttons_only_for_those_allowed(client: Any) -> None:
    assert 'href="/solutions/new"' not in client.get("/solutions").text
    login(client, "procurement")
    assert 'href="/solutions/new"' in client.get("/solutions").text
    assert 'href="/solutions/selfback/edit"' in client.get("/solutions/selfback").text


def test_new_form_has_labels_for_every_field(client: Any) -> None:
    login(client, "procurement")
    page = client.get("/solutions/new").text
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="(f-[\w-]+)"', page)
    assert len(ids) > 20
    for field_id in ids:
        assert f'for="{field_id}"' in page, field_id
    assert "<legend>Behandlingsområder</legend>" in page and "<legend>Integrationer</legend>" in page
    assert 'name="_csrf_token"' in page
    assert 'name="version"' not in page


def test_create_solution_through_the_form(client: Any, db: Any) -> None:
    login(client, "procurement")
    form = _solution_form(client, db)
    response = client.post("/solutions/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    solution = _solution(db, form["name"])
    assert solution is not None
    assert response.headers["location"] == f"/solutions/{solution.slug}"
    assert [t.code for t in solution.treatment_areas] == ["laenderygsmerter"]
    assert solution.integrations == ["mitid", "fhir"] and solution.country == "DK"
    assert solution.has_dpia is True and solution.has_dpa is False and solution.published is True
    assert solution.capacity_fte_per_100k == 1.5
    detail = client.get(response.headers["location"]).text
    assert form["name"] in detail


def test_invalid_form_shows_messages_next_to_fields_and_saves_nothing(client: Any, db: Any) -> None:
    login(client, "procurement")
    form = _solution_form(client, db, name="", trl="12", regulation="")
    description = unique("beholdt beskrivelse")
    form["short_description_da"] = description
    response = client.post("/solutions/new", data=form, follow_redirects=False)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert 'id="f-name-error"' in page and "Skal udfyldes" in page
    assert re.search(r'id="f-name"[^>]*aria-describedby="f-name-error"[^>]*aria-invalid="true"', page)
    assert re.search(r'id="f-trl"[^>]*aria-describedby="f-trl-hint f-trl-error"', page)
    assert "Er for stor" in page
    assert "En CE-mærket løsning skal angive MDR eller IVDR" in page
    assert "Formularen indeholder fejl" in page and 'href="#f-trl"' in page
    # what was typed is kept
    assert f'value="{description}"' in page
    assert re.search(r'value="laenderygsmerter" checked', page)
    db.expire_all()
    assert db.scalar(select(Solution).where(Solution.short_description_da == description)) is None


def test_unknown_treatment_area_is_a_field_error(client: Any, db: Any) -> None:
    login(client, "procurement")
    form = _solution_form(client, db, treatment_areas=["no-such-area"])
    response = client.post("/solutions/new", data=form)
    assert response.status_code == 400
    assert 'id="f-treatment_areas-error"' in response.text
    assert _solution(db, form["name"]) is None


def test_field_errors_with_values_are_translated(client: Any, db: Any) -> None:
    login(client, "procurement")
    form = _solution_form(client, db, treatment_areas=["no-such-area"])
    danish = client.post("/solutions/new", data=form)
    assert danish.status_code == 400 and "ukendt behandlingsområde: no-such-area" in danish.text
    english = client.post("/solutions/new?lang=en", data=form)
    assert english.status_code == 400 and "unknown treatment area: no-such-area" in english.text
    taken = client.post("/solutions/new", data=_solution_form(client, db, slug="selfback"))
    assert taken.status_code == 400 and "&#39;selfback&#39; er allerede i brug" in taken.text
    assert _solution(db, form["name"]) is None


def test_error_page_detail_is_translated_with_its_values(client: Any) -> None:
    danish = client.get("/solutions/no-such-solution")
    assert danish.status_code == 404 and "der findes ingen løsning no-such-solution" in danish.text
    english = client.get("/solutions/no-such-solution?lang=en")
    assert english.status_code == 404 and "solution no-such-solution does not exist" in english.text


def test_edit_with_stale_version_is_a_conflict_and_saves_nothing(client: Any, db: Any) -> None:
    login(client, "procurement")
    form = _solution_form(client, db)
    created = client.post("/solutions/new", data=form, follow_redirects=False)
    slug = created.headers["location"].rsplit("/", 1)[1]
    edit_page = client.get(f"/solutions/{slug}/edit").text
    assert '<input type="hidden" name="version" value="1">' in edit_page
    assert f'value="{form["name"]}"' in edit_page

    first = client.post(f"/solutions/{slug}/edit", data=form | {"trl": "8", "version": "1"},
                        follow_redirects=False)
    assert first.status_code == 303, first.text
    stale = client.post(f"/solutions/{slug}/edit", data=form | {"trl": "3", "version": "1"},
                        follow_redirects=False)
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("text/html")
    assert "Intet blev gemt" in stale.text and "Nogen andre har ændret posten" in stale.text
    assert 'value="3"' in stale.text  # the user's edit is still on screen
    solution = _solution(db, form["name"])
    assert solution is not None and solution.trl == 8 and solution.version == 2


def test_vendor_cannot_edit_another_vendors_solution(client: Any, db: Any) -> None:
    login(client, "vendor")
    assert client.get("/solutions/liva/edit").status_code == 403
    form = _solution_form(client, db, name="Liva", vendor_id=str(_vendor_id(db, "Liva Healthcare")),
                          version="1")
    assert client.post("/solutions/liva/edit", data=form).status_code == 403
    assert 'href="/solutions/liva/edit"' not in client.get("/solutions/liva").text
    # its own solution it may edit, and its own vendor is pre-selected on a new one
    assert client.get("/solutions/selfback/edit").status_code == 200
    new = client.get("/solutions/new").text
    assert re.search(rf'<option value="{_vendor_id(db)}" selected>SelfBack</option>', new)
    assert "Liva Healthcare" not in new


# ---- forms: projects, needs, vendors -----------------------------------------------


def test_create_project_with_partners_solutions_and_needs(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    page = client.get("/projects/new").text
    owner = re.search(r'<option value="(\d+)" selected>Høje-Taastrup', page)
    assert owner, "the org_reporter's own organisation is pre-selected"
    selfback = db.scalar(select(Solution.id).where(Solution.slug == "selfback"))
    need = db.scalar(select(Need.id).where(Need.slug == "laenderygsmerter-egenbehandling"))
    partners = re.findall(r'<option value="(\d+)">Albertslund', page)[:1] + \
        re.findall(r'<option value="(\d+)">Ballerup', page)[:1]
    name = unique("Rygprojekt")
    form = {"_csrf_token": _csrf(client), "name": name, "slug": "", "description": "Afprøvning",
            "owner_id": owner.group(1), "partner_ids": partners, "stage": "pilot", "origin": "public",
            "start_date": "2025-01-01", "end_date": "2025-12-31", "budget_dkk": "250000",
            "funding_source": "", "solution_ids": [str(selfback)], "need_ids": [str(need)], "results": ""}
    response = client.post("/projects/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    db.expire_all()
    project = db.scalar(select(Project).where(Project.name == name))
    assert project is not None and len(project.partners) == 2
    assert [s.slug for s in project.solutions] == ["selfback"]
    bad = client.post("/projects/new", data=form | {"name": unique("Bagvendt"), "end_date": "2024-01-01"})
    assert bad.status_code == 400 and "Slutdatoen ligger før startdatoen" in bad.text


def test_create_and_endorse_need(client: Any, db: Any) -> None:
    login(client, "org_reporter")
    title = unique("Behov for hjemmetræning")
    form = {"_csrf_token": _csrf(client), "title": title, "slug": "", "description": "",
            "treatment_area": "kol", "organisation_id": "", "capacity_problem": "",
            "affected_patients": "1000", "priority": "high"}
    page = client.get("/needs/new").text
    form["organisation_id"] = re.search(r'<option value="(\d+)" selected>', page).group(1)
    response = client.post("/needs/new", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert "Tilslut på vegne af Høje-Taastrup" in client.get(location).text

    endorsed = client.post(f"{location}/endorse", data={"_csrf_token": _csrf(client), "comment": ""},
                           headers={"HX-Request": "true"})
    assert endorsed.status_code == 200
    assert "<html" not in endorsed.text
    assert '<strong id="endorsement-count">1</strong>' in endorsed.text
    assert "Tilslutningen er registreret" in endorsed.text
    again = client.post(f"{location}/endorse", data={"_csrf_token": _csrf(client)},
                        follow_redirects=False)
    assert again.status_code == 409 and "allerede tilsluttet" in again.text
    db.expire_all()
    assert db.scalar(select(Need.endorsement_count).where(Need.title == title)) == 1


def test_endorse_without_javascript_redirects(client: Any, db: Any) -> None:
    login(client, "procurement")
    need = db.scalar(select(Need).where(Need.slug == "type2-diabetes-livsstil"))
    before = need.endorsement_count
    page = client.get("/needs/type2-diabetes-livsstil").text
    choice = re.search(r'<select id="endorse-organisation".*?<option value="(\d+)">', page, re.S)
    assert choice
    response = client.post("/needs/type2-diabetes-livsstil/endorse",
                           data={"_csrf_token": _csrf(client), "organisation_id": choice.group(1)},
                           follow_redirects=False)
    assert response.status_code == 303
    db.expire_all()
    assert db.scalar(select(Need.endorsement_count).where(Need.id == need.id)) == before + 1


def test_create_and_edit_vendor(client: Any, db: Any) -> None:
    login(client, "procurement")
    name = unique("Leverandør")
    bad = client.post("/vendors/new", data={"_csrf_token": _csrf(client), "name": name, "country": "SE",
                                            "cvr": "12345678", "website": ""})
    assert bad.status_code == 400 and "CVR-nummer angives kun for danske leverandører" in bad.text
    assert db.scalar(select(Vendor).where(Vendor.name == name)) is None
    response = client.post("/vendors/new", data={"_csrf_token": _csrf(client), "name": name, "country": "dk",
                                                 "cvr": "", "website": "https://example.org"},
                           follow_redirects=False)
    assert response.status_code == 303
    edited = client.post(f"{response.headers['location']}/edit",
                         data={"_csrf_token": _csrf(client), "name": name, "country": "DK", "cvr": "",
                               "website": "https://example.dk", "version": "1"}, follow_redirects=False)
    assert edited.status_code == 303
    db.expire_all()
    assert db.scalar(select(Vendor.website).where(Vendor.name == name)) == "https://example.dk/"


def test_post_without_csrf_token_is_refused(client: Any, db: Any) -> None:
    login(client, "procurement")
    form = _solution_form(client, db)
    del form["_csrf_token"]
    assert client.post("/solutions/new", data=form).status_code == 403
    assert _solution(db, form["name"]) is None


# ---- translations ------------------------------------------------------------------


def _template_msgids() -> set[str]:
    ids: set[str] = set()
    for root in (PROJECT_ROOT / "app/web/templates", PROJECT_ROOT / "app/accounts/templates",
                 PROJECT_ROOT / "app/catalogue/templates"):
        for path in root.rglob("*.html"):
            with path.open("rb") as fh:
                for _line, _func, msg, _comments in babel_extract(fh, ("_", "gettext", "ngettext"), [], {}):
                    for m in msg if isinstance(msg, tuple) else (msg,):
                        if m and not m.startswith(("sort:", "audit:")):
                            ids.add(m)
    return ids


def _po(language: str) -> dict[str, Any]:
    with (PROJECT_ROOT / "app/web/locale" / f"{language}.po").open("rb") as fh:
        catalog = read_po(fh, locale=language)
    out: dict[str, Any] = {}
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            for msgid, text in zip(message.id, message.string, strict=True):
                out[msgid] = text
        else:
            out[message.id] = message.string
    return out


CODES = [e.value for enum in (enums.OrganisationKind, enums.Purpose, enums.TargetUsers, enums.Origin,
                              enums.RegulatoryClass, enums.Regulation, enums.Integration,
                              enums.ProjectStage, enums.Priority, Role) for e in enum]


def test_every_message_has_a_danish_translation() -> None:
    danish = _po("da")
    missing = sorted(m for m in _template_msgids() | set(CODES) if not danish.get(m))
    assert not missing, f"add these to app/web/locale/da.po: {missing}"


def test_every_code_has_an_english_label() -> None:
    english = _po("en")
    missing = sorted(code for code in CODES if not english.get(code))
    assert not missing, f"add English labels to app/web/locale/en.po: {missing}"


def test_templates_have_no_inline_script() -> None:
    for root in (PROJECT_ROOT / "app/catalogue/templates", PROJECT_ROOT / "app/web/templates/macros"):
        for path in root.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"<script(?![^>]*\bsrc=)", text), path
            assert not re.search(r"\son[a-z]+=", text), path
            assert 'style="' not in text, path


def test_po_files_exist() -> None:
    for language in ("da", "en"):
        assert Path(PROJECT_ROOT / "app/web/locale" / f"{language}.po").is_file()
