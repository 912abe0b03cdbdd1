"""The domains that make up the app, for the code that needs all of them: every model
module (a complete metadata for Alembic, the archive and the tests) and every session
hook (the audit trail, the search outbox). The database layer knows none of them."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker


def import_all_models() -> None:
    from app.accounts import models as _accounts  # noqa: F401
    from app.approvals import models as _approvals  # noqa: F401
    from app.assessment import models as _assessment  # noqa: F401
    from app.audit import models as _audit  # noqa: F401
    from app.benchmark import models as _benchmark  # noqa: F401
    from app.catalogue import models as _catalogue  # noqa: F401
    from app.contracts import models as _contracts  # noqa: F401
    from app.fhir import models as _fhir  # noqa: F401
    from app.files import models as _files  # noqa: F401
    from app.notifications import models as _notifications  # noqa: F401
    from app.programmes import models as _programmes  # noqa: F401
    from app.reporting import models as _reporting  # noqa: F401
    from app.search import models as _search  # noqa: F401


def install_session_hooks() -> None:
    """The hooks every writer needs, whoever opens the session: the audit trail and the
    search outbox listen on the Session class from the moment their module is imported,
    once per process; the outbox learns every domain's search index definition."""
    import app.audit.hook
    import app.search.outbox  # noqa: F401
    from app.search_indexes import register_search_indexes

    register_search_indexes()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for the app factory, the command line, the tests and the benchmarks, with
    the session hooks installed first: no write goes unaudited or unindexed."""
    install_session_hooks()
    return sessionmaker(bind=engine, expire_on_commit=False)
