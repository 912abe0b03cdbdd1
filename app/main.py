"""create_app(settings): the one place that wires plugins, routes, templates and errors."""

from __future__ import annotations

from pathlib import Path

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.logging.config import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app import logs, operations
from app.accounts.api import MeController
from app.accounts.csrf import CsrfMiddleware
from app.accounts.middleware import AuthMiddleware
from app.accounts.pages import LoginController
from app.accounts.passwords import dummy_hash
from app.accounts.policy import api_write_guard
from app.accounts.ratelimit import LoginRateLimiter
from app.accounts.services import LOCKOUT, MAX_FAILED_LOGINS
from app.approvals import api as approvals_api
from app.approvals import pages as approvals_pages
from app.assessment import api as assessment_api
from app.assessment import framework_api, framework_pages
from app.assessment import pages as assessment_pages
from app.assessment.library import FrameworkLibrary
from app.audit.api import list_audit
from app.benchmark import api as benchmark_api
from app.benchmark import pages as benchmark_pages
from app.buyer import api as buyer_api
from app.buyer import pages as buyer_pages
from app.catalogue import api as catalogue_api
from app.catalogue import pages as catalogue_pages
from app.contracts import api as contracts_api
from app.contracts import pages as contracts_pages
from app.db.engine import ConnectionLimits, make_engine
from app.dependencies import provide_db, provide_page, provide_principal, provide_search
from app.errors import DomainError
from app.fhir import api as fhir_api
from app.fhir.conformance_api import ROUTER as fhir_conformance
from app.fhir.outcome import under_fhir
from app.files.storage import make_storage
from app.files.web import UploadGate, provide_file_context
from app.notifications import pages as notification_pages
from app.notifications import search_pages as saved_search_pages
from app.notifications.background import BackgroundSender
from app.notifications.config import MailSettings
from app.notifications.sender import Sender
from app.notifications.transport import make_transport
from app.programmes import api as programmes_api
from app.programmes import pages as programmes_pages
from app.registry import make_session_factory
from app.reporting import api as reporting_api
from app.reporting import pages as reporting_pages
from app.reporting.case_handling import CaseRules
from app.reporting.jobs import ReportJobs
from app.search import api as search_api
from app.search import pages as search_pages
from app.search.outbox import Indexer
from app.search.services import make_backend
from app.settings import Settings
from app.site import SiteController
from app.web import capacity, errors
from app.web.observe import observed
from app.web.security import add_security_headers
from app.web.transactions import RequestSessions

APP_DIR = Path(__file__).parent
TEMPLATE_DIRS = [APP_DIR / "web" / "templates", APP_DIR / "catalogue" / "templates",
                 APP_DIR / "accounts" / "templates", APP_DIR / "assessment" / "templates",
                 APP_DIR / "approvals" / "templates", APP_DIR / "search" / "templates",
                 APP_DIR / "benchmark" / "templates", APP_DIR / "reporting" / "templates",
                 APP_DIR / "buyer" / "templates", APP_DIR / "contracts" / "templates",
                 APP_DIR / "notifications" / "templates", APP_DIR / "programmes" / "templates"]


def create_app(settings: Settings | None = None, mail: MailSettings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    mail = mail or MailSettings.from_env()
    # A broken framework file stops start-up with the file and the place in it (FrameworkError).
    library = FrameworkLibrary(settings.frameworks_dir)
    engine = make_engine(settings.sqlalchemy_url, ConnectionLimits(
        pool_size=settings.connection_pool_size, pool_timeout=settings.pool_timeout,
        lock_timeout_ms=settings.lock_timeout_ms, statement_timeout_ms=settings.statement_timeout_ms))
    session_factory = make_session_factory(engine)
    alchemy_config = RequestSessions(engine_instance=engine, session_dependency_key="db_session")
    alchemy = SQLAlchemyPlugin(config=alchemy_config)
    app = Litestar(
        route_handlers=[
            SiteController, *operations.ROUTES, LoginController, MeController, list_audit,
            *catalogue_api.ROUTES, *catalogue_pages.ROUTES,
            *assessment_api.ROUTES, *assessment_pages.ROUTES,
            *framework_api.ROUTES, *framework_pages.ROUTES,
            *approvals_api.ROUTES, *approvals_pages.ROUTES,
            *search_api.ROUTES, *search_pages.ROUTES,
            *benchmark_api.ROUTES, *benchmark_pages.ROUTES,
            *reporting_api.ROUTES, *reporting_pages.ROUTES,
            *buyer_api.ROUTES, *buyer_pages.ROUTES,
            *contracts_api.ROUTES, *contracts_pages.ROUTES,
            *notification_pages.ROUTES,
            *saved_search_pages.ROUTES,
            *programmes_api.ROUTES, *programmes_pages.ROUTES,
            fhir_conformance,
            *fhir_api.ROUTES,
            create_static_files_router(path="/static/benchmark", directories=[APP_DIR / "benchmark" / "static"],
                                       include_in_schema=False),
            create_static_files_router(path="/static/search", directories=[APP_DIR / "search" / "static"],
                                       include_in_schema=False),
            create_static_files_router(path="/static/buyer", directories=[APP_DIR / "buyer" / "static"],
                                       include_in_schema=False),
            create_static_files_router(path="/static/programmes", directories=[APP_DIR / "programmes" / "static"],
                                       include_in_schema=False),
            create_static_files_router(path="/static/approvals", directories=[APP_DIR / "approvals" / "static"],
                                       include_in_schema=False),
            create_static_files_router(path="/static", directories=[APP_DIR / "web" / "static"],
                                       include_in_schema=False),
        ],
        plugins=[alchemy],
        # Requests take turns (capacity); sessions live in the database (user_session) and
        # CSRF tokens are bound to them.
        middleware=[capacity.TakeTurns(),
                    DefineMiddleware(AuthMiddleware, exclude=["^/static/", capacity.OPERATIONS_PATHS]),
                    UploadGate(), CsrfMiddleware()],
        guards=[api_write_guard],
        dependencies={
            "db": Provide(provide_db, sync_to_thread=False),
            "principal": Provide(provide_principal, sync_to_thread=False),
            "page": Provide(provide_page, sync_to_thread=False),
            "search": Provide(provide_search, sync_to_thread=False),
            # Asks the database whether a framework was published since (one small query).
            "frameworks": Provide(framework_api.provide_frameworks, sync_to_thread=True),
            "framework_library": Provide(framework_api.provide_library, sync_to_thread=False),
            "file_context": Provide(provide_file_context, sync_to_thread=False),
        },
        template_config=TemplateConfig(directory=[*TEMPLATE_DIRS], engine=JinjaTemplateEngine),
        openapi_config=OpenAPIConfig(title="Blåstempel API", version="0.1.0", path="/schema",
                                     render_plugins=[SwaggerRenderPlugin()]),
        exception_handlers={
            DomainError: errors.domain_error_handler,
            PydanticValidationError: errors.pydantic_error_handler,
            HTTPException: under_fhir(errors.http_error_handler),
            OperationalError: errors.database_unavailable_handler,
            PoolTimeoutError: errors.pool_timeout_handler,
            DataError: errors.out_of_range_handler,
            OverflowError: errors.out_of_range_handler,
            Exception: errors.internal_error_handler,
        },
        before_send=[add_security_headers],
        logging_config=LoggingConfig(**logs.config(logs.log_format())),
        debug=settings.debug,
    )
    app.asgi_handler = observed(app.asgi_handler)  # outside routing: 404s and errors are counted too
    app.state.settings = settings
    app.state.login_limiter = LoginRateLimiter("address", settings.login_rate_limit, settings.login_rate_window)
    app.state.known_browser_limiter = LoginRateLimiter("browser", MAX_FAILED_LOGINS, LOCKOUT.total_seconds())
    app.on_startup.append(dummy_hash)  # made before the first login, not during it
    app.state.framework_library = library
    app.state.frameworks = library.seed  # the files read at start-up (published uploads: the library)
    app.state.engine = engine
    app.state.file_storage = make_storage(settings)
    app.state.health_engine = make_engine(settings.sqlalchemy_url, capacity.HEALTH_LIMITS)
    app.on_startup.append(capacity.start)
    app.state.session_factory = session_factory
    search_backend = make_backend(settings)
    app.state.search_backend = search_backend
    app.state.report_jobs = ReportJobs(session_factory, settings.report_limits, library, search_backend,
                                       CaseRules(settings.decision_months, settings.yearly_decision_minimum))
    # The indexer applies the outbox after each commit; the background loop catches up
    # (engine down, other workers, bulk loads). Started and stopped with the app.
    indexer = Indexer(session_factory, search_backend)
    app.state.search_indexer = indexer
    app.on_startup.append(lambda: indexer.start())
    app.on_shutdown.append(lambda: indexer.stop())
    app.state.mail = mail
    # "Min side", in order
    app.state.account_sections = [*notification_pages.NOTIFICATION_SECTIONS, saved_search_pages.ACCOUNT_SECTION]
    if mail.background:
        mail_sender = BackgroundSender(Sender(session_factory, make_transport(mail), mail, settings.base_url),
                                       mail.interval)
        app.on_startup.append(mail_sender.start)
        app.on_shutdown.append(mail_sender.stop)
    return app
