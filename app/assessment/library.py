"""Framework versions as managed content.

The files in ``frameworks/`` are the seed. An admin uploads a framework version (YAML): it
is checked by the loader's rules (errors name the uploaded file and the path in it),
compared with the version before it (``diff_frameworks``), kept as a draft
(``FrameworkUpload``) and becomes one of the app's frameworks only when published.

Assessments are pinned to (id, version), so a version never changes structurally: an
upload of a version that exists is accepted only when it changes wording alone (titles,
questions, help and evidence texts, option labels) and then replaces that wording in
place; anything else needs a new version number.

``FrameworkLibrary`` is the registry a process uses: the seed plus the published uploads.
Every process notices another's publication by one small query per request (how many
uploads are published, and the newest time) and rebuilds its registry when that changed.
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.assessment.loader import FrameworkError, FrameworkRegistry, load_frameworks, read_framework
from app.assessment.models import FrameworkUpload
from app.assessment.schema import Framework
from app.core.principal import Principal, require
from app.core.records import flush, not_found
from app.errors import Conflict, ValidationFailed
from app.messages import Message

log = logging.getLogger("blaastempel.frameworks")

# The largest seed file is about 30 kB; half a megabyte leaves room and stops abuse.
MAX_KB = 500
MAX_BYTES = MAX_KB * 1000
MAX_REQUEST_BYTES = MAX_BYTES + 64 * 1024
# Lengths of the columns that pin an assessment to its framework (Assessment).
MAX_ID, MAX_VERSION = 60, 20
# Texts people read; everything else in a framework is structure (what is asked and scored).
WORDING = frozenset({
    "title_da", "title_en", "question_da", "question_en", "help_da", "help_en", "evidence_da",
    "evidence_en", "label_da", "label_en", "description_da", "description_en",
    "superseded_note_da", "superseded_note_en", "awaiting_source", "publisher", "source_url"})
SECTION_WEIGHTS = ("weight", "pass_score", "weights_total")
GATE_FIELDS = ("gate", "required")
CHANGE_KINDS = ("added", "removed", "reworded", "reweighted", "gates", "structure")


class UploadRefused(ValidationFailed):
    """A framework file is refused: ``errors["file"]`` names the file, the place and why;
    every other key is a path inside the file with its problem."""

    def __init__(self, reason: Message, issues: list[tuple[str, str]] | None = None) -> None:
        super().__init__({"file": reason, **{path: problem for path, problem in issues or [] if path}})


# ---- the registry of a process --------------------------------------------------------------


class FrameworkLibrary:
    """The seed (``frameworks/``, read at start-up: a broken file stops it) plus the published
    uploads, rebuilt when the database's published uploads change."""

    def __init__(self, directory: str | Path) -> None:
        self.seed = load_frameworks(directory)
        self._lock = threading.Lock()
        # (marker, registry, upload id of each published (id, version)), swapped as one.
        self._state: tuple[tuple[int, Any], FrameworkRegistry, dict[tuple[str, str], int]] = (
            (0, None), self.seed, {})

    def registry(self, session: Session) -> FrameworkRegistry:
        """The frameworks now: one aggregate query, a rebuild only after a publication."""
        return self.current(session)[0]

    def current(self, session: Session) -> tuple[FrameworkRegistry, dict[tuple[str, str], int]]:
        """The frameworks now, and the upload that gives each published (id, version) its content."""
        marker = _marker(session)
        if marker != self._state[0]:
            with self._lock:
                if marker != self._state[0]:
                    registry, sources = self.build(session)
                    self._state = (marker, registry, sources)
        return self._state[1], self._state[2]

    def build(self, session: Session) -> tuple[FrameworkRegistry, dict[tuple[str, str], int]]:
        """Seed plus published uploads as this session sees them, later ones replacing earlier."""
        frameworks = {fw.key: fw for fw in self.seed}
        sources: dict[tuple[str, str], int] = {}
        for row in session.scalars(select(FrameworkUpload).where(FrameworkUpload.status == "published")
                                   .order_by(FrameworkUpload.published_at, FrameworkUpload.id)):
            try:
                fw = read_framework(row.yaml_text, row.filename)
            except FrameworkError:  # only if the rules tightened since it was published
                log.exception("published framework upload #%s no longer loads; left out", row.id)
                continue
            frameworks[fw.key] = fw
            sources[fw.key] = row.id
        files = {fw.key: self.seed.file(*fw.key) for fw in self.seed}
        entries = [(fw, files.get(key) or Path(f"upload-{sources[key]}")) for key, fw in frameworks.items()]
        return FrameworkRegistry(entries), sources


# Published uploads never leave that state, so a publication always changes the count.
_MARKER = (select(func.count(FrameworkUpload.id), func.max(FrameworkUpload.published_at))
           .where(FrameworkUpload.status == "published"))


def _marker(session: Session) -> tuple[int, Any]:
    row = session.connection().execute(_MARKER).one()  # Core: no ORM events on the hot path
    return int(row[0]), row[1]


# ---- reading an upload ------------------------------------------------------------------------


def read_upload(filename: str, content: bytes) -> tuple[Framework, str]:
    """The framework and its text, or UploadRefused naming the file, the place and why."""
    if len(content) > MAX_BYTES:
        raise UploadRefused(Message("{file}: the file is larger than {kb} kB", file=filename, kb=MAX_KB))
    if not content.strip():
        raise UploadRefused(Message("{file}: the file is empty", file=filename))
    try:
        yaml_text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadRefused(Message("{file}: the file is not UTF-8 text (byte {position})",
                                    file=filename, position=exc.start + 1)) from None
    try:
        fw = read_framework(yaml_text, filename)
    except FrameworkError as exc:
        where = exc.location or Message("the whole file")
        raise UploadRefused(Message("{file}, {location}: {problem}", file=filename, location=where,
                                    problem=exc.problem), exc.issues) from None
    for field, value, limit in (("id", fw.id, MAX_ID), ("version", fw.version, MAX_VERSION)):
        if len(value) > limit:
            raise UploadRefused(Message("{file}, {location}: at most {limit} characters",
                                        file=filename, location=field, limit=limit))
    return fw, yaml_text


# ---- the difference between two versions ------------------------------------------------------


def diff_frameworks(old: Framework | None, new: Framework) -> dict[str, Any]:
    """What changed from ``old`` to ``new``, by kind (CHANGE_KINDS), as plain data.

    ``wording_only``: nothing but texts changed (the same version may take the new wording);
    ``empty``: nothing changed at all."""
    diff: dict[str, Any] = {kind: [] for kind in CHANGE_KINDS}
    old_items = _criteria(old) if old else {}
    new_items = _criteria(new)
    for code, (section, crit) in new_items.items():
        if code not in old_items:
            diff["added"].append({"code": code, "section": section, "question_da": crit["question_da"],
                                  "question_en": crit["question_en"]})
    for code, (section, crit) in old_items.items():
        if code not in new_items:
            diff["removed"].append({"code": code, "section": section, "question_da": crit["question_da"],
                                    "question_en": crit["question_en"]})
        else:
            _compare_criterion(diff, code, (section, crit), new_items[code])
    if old is not None:
        _compare_framework(diff, old, new)
        _compare_sections(diff, old, new)
        if [c for c in old_items if c in new_items] != [c for c in new_items if c in old_items]:
            diff["structure"].append({"kind": "framework", "code": "", "fields": ["criteria order"]})
    diff["title_da"], diff["title_en"] = new.title_da, new.title_en
    diff["wording_only"] = not any(diff[kind] for kind in CHANGE_KINDS if kind != "reworded")
    diff["empty"] = diff["wording_only"] and not diff["reworded"]
    return diff


def _criteria(fw: Framework) -> dict[str, tuple[str, dict[str, Any]]]:
    """code -> (section code, "" for scope questions; the criterion as plain data)."""
    items = {q.code: ("", q.model_dump(mode="json", by_alias=True)) for q in fw.scope_questions}
    for section in fw.sections:
        for crit in section.criteria:
            items[crit.code] = (section.code, crit.model_dump(mode="json", by_alias=True))
    return items


def _compare_criterion(diff: dict[str, Any], code: str, old: tuple[str, dict[str, Any]],
                       new: tuple[str, dict[str, Any]]) -> None:
    (old_section, before), (new_section, after) = old, new
    if changes := _wording_changes(before, after):
        diff["reworded"].append({"kind": "criterion", "code": code, "changes": changes})
    if before["weight"] != after["weight"]:
        diff["reweighted"].append({"kind": "criterion", "code": code, "field": "weight",
                                   "before": before["weight"], "after": after["weight"]})
    for field in GATE_FIELDS:
        if before[field] != after[field]:
            diff["gates"].append({"code": code, "field": field, "before": before[field], "after": after[field]})
    plain_before, plain_after = _structure(before), _structure(after)
    fields = sorted(k for k in plain_before.keys() | plain_after.keys()
                    if k not in ("weight", *GATE_FIELDS) and plain_before.get(k) != plain_after.get(k))
    if old_section != new_section:
        fields.insert(0, "section")
    if fields:
        diff["structure"].append({"kind": "criterion", "code": code, "fields": fields})


def _compare_framework(diff: dict[str, Any], old: Framework, new: Framework) -> None:
    skip = {"id", "version", "sections", "scope_questions"}  # a new version differs in its number
    before = {k: v for k, v in old.model_dump(mode="json", by_alias=True).items() if k not in skip}
    after = {k: v for k, v in new.model_dump(mode="json", by_alias=True).items() if k not in skip}
    if changes := _wording_changes(before, after):
        diff["reworded"].append({"kind": "framework", "code": "", "changes": changes})
    plain_before, plain_after = _structure(before), _structure(after)
    if fields := sorted(k for k in plain_before.keys() | plain_after.keys()
                        if plain_before.get(k) != plain_after.get(k)):
        diff["structure"].append({"kind": "framework", "code": "", "fields": fields})


def _compare_sections(diff: dict[str, Any], old: Framework, new: Framework) -> None:
    def plain(fw: Framework) -> dict[str, dict[str, Any]]:
        return {s.code: s.model_dump(mode="json", by_alias=True, exclude={"criteria"}) for s in fw.sections}

    before, after = plain(old), plain(new)
    if list(before) != list(after):
        diff["structure"].append({"kind": "framework", "code": "", "fields": ["sections"]})
    for code in before.keys() & after.keys():
        if changes := _wording_changes(before[code], after[code]):
            diff["reworded"].append({"kind": "section", "code": code, "changes": changes})
        for field in SECTION_WEIGHTS:
            if before[code][field] != after[code][field]:
                diff["reweighted"].append({"kind": "section", "code": code, "field": field,
                                           "before": before[code][field], "after": after[code][field]})
        plain_before, plain_after = _structure(before[code]), _structure(after[code])
        if fields := sorted(k for k in plain_before.keys() | plain_after.keys()
                            if k not in SECTION_WEIGHTS and plain_before.get(k) != plain_after.get(k)):
            diff["structure"].append({"kind": "section", "code": code, "fields": fields})
    diff["reworded"].sort(key=lambda item: ("framework", "section", "criterion").index(item["kind"]))


def _structure(value: Any) -> Any:
    """The value without its texts."""
    if isinstance(value, dict):
        return {k: _structure(v) for k, v in value.items() if k not in WORDING}
    if isinstance(value, list):
        return [_structure(v) for v in value]
    return value


def _texts(value: Any, path: str = "") -> dict[str, Any]:
    """path -> text of every wording field inside the value."""
    found: dict[str, Any] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else key
            if key in WORDING:
                found[inner] = item
            else:
                found |= _texts(item, inner)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found |= _texts(item, f"{path}[{i}]")
    return found


def _wording_changes(before: Any, after: Any) -> list[dict[str, Any]]:
    old, new = _texts(before), _texts(after)
    return [{"field": path, "before": old.get(path), "after": new.get(path)}
            for path in sorted(old.keys() | new.keys(), key=list((old | new).keys()).index)
            if old.get(path) != new.get(path)]


# ---- where an upload fits -------------------------------------------------------------------


def _placement(registry: FrameworkRegistry, fw: Framework, filename: str) -> tuple[str, str | None, dict[str, Any]]:
    """(kind, the version compared with, the diff): "new" for a new (id, version), compared
    with the framework's latest version; "rewording" for new texts of an existing version.
    UploadRefused when the upload would change an existing version's structure."""
    if fw.key not in registry:
        base = _previous(registry, fw)
        return "new", base.version if base else None, diff_frameworks(base, fw)
    diff = diff_frameworks(registry.get(*fw.key), fw)
    if diff["empty"]:
        raise UploadRefused(Message("{file}: {framework} version {version} already has exactly this content",
                                    file=filename, framework=fw.id, version=fw.version))
    if not diff["wording_only"]:
        raise UploadRefused(Message(
            "{file}: {framework} version {version} exists and assessments may be pinned to it; this file "
            "changes more than its wording ({changes}). Give it a new version number.",
            file=filename, framework=fw.id, version=fw.version, changes=change_summary(diff)))
    return "rewording", fw.version, diff


def _previous(registry: FrameworkRegistry, fw: Framework) -> Framework | None:
    """The version before the new one (by version number), else the framework's latest."""
    versions = [other for other in registry if other.id == fw.id]
    before = [other for other in versions if _version_key(other.version) < _version_key(fw.version)]
    if before:
        return max(before, key=lambda other: _version_key(other.version))
    return registry.latest(fw.id) if versions else None


def _version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """"1.10" after "1.9": numbers compare as numbers, the rest as text."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.findall(r"\d+|\D+", version))


def change_summary(diff: dict[str, Any]) -> str:
    """The codes behind the structural changes, briefly (codes and field names only)."""
    parts = [f"+{item['code']}" for item in diff["added"]] + [f"-{item['code']}" for item in diff["removed"]]
    parts += [f"{item['code'] or item['kind']}: {item['field']}" for item in diff["reweighted"] + diff["gates"]]
    parts += [f"{item['code'] or item['kind']}: {', '.join(item['fields'])}" for item in diff["structure"]]
    return "; ".join(parts[:8]) + ("; …" if len(parts) > 8 else "")


# ---- the admin's actions --------------------------------------------------------------------


def upload(session: Session, principal: Principal, library: FrameworkLibrary, filename: str,
           content: bytes) -> FrameworkUpload:
    """Check the file and keep it as a draft with its diff; nothing is kept from a refused file."""
    require(principal, "framework.manage")
    filename = Path(filename.replace("\\", "/")).name[:255] or "upload.yaml"
    fw, yaml_text = read_upload(filename, content)
    kind, base, diff = _placement(library.registry(session), fw, filename)
    row = FrameworkUpload(framework_id=fw.id, framework_version=fw.version, filename=filename,
                          yaml_text=yaml_text, status="draft", kind=kind, base_version=base, diff=diff,
                          uploaded_by_id=principal.id)
    session.add(row)
    flush(session)
    return row


def publish(session: Session, principal: Principal, library: FrameworkLibrary, upload_id: int,
            version: int | None = None) -> FrameworkUpload:
    """Make a draft one of the app's frameworks, checked again against what is published now."""
    require(principal, "framework.manage")
    if session.get_bind().dialect.name == "postgresql":
        # One publication at a time (SQLite's writer lock does the same): two drafts of one
        # version must not both pass the check against what was published before either.
        session.execute(text("LOCK TABLE framework_upload IN SHARE ROW EXCLUSIVE MODE"))
    row = _draft(session, upload_id, version)
    registry, _ = library.build(session)
    try:
        kind, base, diff = _placement(registry, read_framework(row.yaml_text, row.filename), row.filename)
    except (UploadRefused, FrameworkError) as exc:
        raise Conflict(Message("{framework} version {version} cannot be published now: {reason}",
                               framework=row.framework_id, version=row.framework_version,
                               reason=exc.errors["file"] if isinstance(exc, UploadRefused) else str(exc))) from None
    row.kind, row.base_version, row.diff = kind, base, diff
    row.status, row.published_by_id, row.published_at = "published", principal.id, datetime.now(UTC)
    flush(session)
    return row


def discard(session: Session, principal: Principal, upload_id: int, version: int | None = None) -> FrameworkUpload:
    require(principal, "framework.manage")
    row = _draft(session, upload_id, version)
    row.status = "discarded"
    flush(session)
    return row


def _draft(session: Session, upload_id: int, version: int | None) -> FrameworkUpload:
    row = get_upload(session, upload_id)
    if row.status != "draft":
        raise Conflict(Message("upload #{id} is {status}; only a draft can be published or discarded",
                               id=row.id, status=Message(f"framework-upload:{row.status}")))
    if version is not None and version != row.version:
        raise Conflict(Message("upload #{id} was changed by someone else; reload it", id=row.id))
    return row


def get_upload(session: Session, upload_id: int) -> FrameworkUpload:
    row = session.get(FrameworkUpload, upload_id)
    if row is None:
        raise not_found("framework upload", upload_id)
    return row


def uploads(session: Session, principal: Principal) -> list[FrameworkUpload]:
    require(principal, "framework.manage")
    return list(session.scalars(select(FrameworkUpload).order_by(FrameworkUpload.id.desc())))


def upload_for(session: Session, principal: Principal, upload_id: int) -> FrameworkUpload:
    require(principal, "framework.manage")
    return get_upload(session, upload_id)


def versions(session: Session, principal: Principal, library: FrameworkLibrary) -> list[dict[str, Any]]:
    """Every framework version in use: from the seed or a published upload, superseded or not."""
    require(principal, "framework.manage")
    registry, sources = library.current(session)
    return [{"framework_id": fw.id, "version": fw.version, "title_da": fw.title_da, "title_en": fw.title_en,
             "valid_from": fw.valid_from, "superseded": fw.superseded,
             "status": "published" if fw.key in sources else "seed", "upload_id": sources.get(fw.key)}
            for fw in registry]


def replaced(rows: list[FrameworkUpload], sources: dict[tuple[str, str], int]) -> set[int]:
    """Published uploads whose wording a later upload of the same version replaced."""
    return {row.id for row in rows if row.status == "published"
            and sources.get((row.framework_id, row.framework_version)) != row.id}


def upload_view(row: FrameworkUpload, replaced_ids: set[int] | frozenset[int] = frozenset()) -> dict[str, Any]:
    return {"id": row.id, "version": row.version, "framework_id": row.framework_id,
            "framework_version": row.framework_version, "filename": row.filename, "status": row.status,
            "replaced": row.id in replaced_ids, "kind": row.kind, "base_version": row.base_version,
            "uploaded_by": row.uploaded_by.email if row.uploaded_by else None,
            "uploaded_at": row.created_at.isoformat() if row.created_at else None,
            "published_by": row.published_by.email if row.published_by else None,
            "published_at": row.published_at.isoformat() if row.published_at else None,
            "diff": row.diff}
