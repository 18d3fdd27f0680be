"""The application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from alembic.config import Config
from alembic.script import ScriptDirectory
from arq.connections import ArqRedis
from litestar import Litestar, Request, Response
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import BeforeMessageSendHookHandler, Message, Scope
from litestar_htmx import HTMXPlugin
from redis.asyncio import BlockingConnectionPool

import domain.models  # noqa: F401 - every table registered before the first query
from domain.assistant.service import AssistantDeps
from domain.conversations.ingest_sql import IngestBatches
from domain.db import create_engine, session_factory
from domain.hotels.secrets import log_unreadable
from domain.integrations.green_api import HttpGreenApi
from domain.integrations.llm import LlmEndpoint, OpenAICompatibleLlm, llm_timeout
from domain.settings import Settings, get_settings
from jobs.enqueue import RedisDispatcher
from web.actor import Forbidden, LoginRequired
from web.auth import CsrfRejected
from web.client_address import TrustedProxies
from web.deps import DEPENDENCIES
from web.errors import EXCEPTION_HANDLERS, forbidden, from_htmx
from web.hotel_health import SecretsHealth, WebhookArrivals, WebhookFailures
from web.live import LiveHub, live
from web.login_throttle import LoginThrottle
from web.metrics import INGEST_BATCHES, MetricsMiddleware, metrics
from web.oidc_provider import ProviderClient
from web.render import template_environment
from web.resources import HotelTimezones, LiveSockets, Resources, WebhookHotels
from web.routes.admin import AdminController
from web.routes.admin_ai import AiProviderController
from web.routes.admin_whatsapp import WhatsappController
from web.routes.analytics import AnalyticsController
from web.routes.audit import AuditController
from web.routes.auth import AuthController
from web.routes.conversations import ConversationController
from web.routes.drafts import DraftController
from web.routes.feedback import FeedbackController
from web.routes.health import HealthController
from web.routes.hotels import HotelAlertsController
from web.routes.inbox import InboxController
from web.routes.knowledge import KnowledgeController
from web.routes.knowledge_tools import KnowledgeToolsController
from web.routes.oidc import OidcController
from web.routes.privacy import GuestPrivacyController
from web.routes.saved_replies import SavedReplyController
from web.routes.service_requests import ServiceRequestController
from web.routes.staff import StaffController
from web.routes.staff_links import StaffLinkController
from web.routes.webhooks import green_api_webhook
from web.sessions import SessionStore

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
# Two years, subdomains included (OWASP HTTP Strict Transport Security Cheat Sheet). Only when
# PUBLIC_BASE_URL is https: an installation served over plain http (the demo) must not tell
# browsers its host speaks https only.
HSTS = "max-age=63072000; includeSubDomains"


def migration_scripts() -> ScriptDirectory:
    """The migrations this code ships: readiness compares the database's revision with them."""
    return ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini")))


def _login_required(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    if from_htmx(request):  # htmx follows HX-Redirect; a 303 would put the sign-in page in a fragment
        return Response(b"", status_code=401, headers={"HX-Redirect": "/login"})
    if request.method == "GET":
        return Redirect(f"/login?next={request.url.path}", status_code=303)
    return Response({"detail": "sign in first"}, status_code=401)


def security_headers(settings: Settings) -> BeforeMessageSendHookHandler:
    """The headers every answer carries, error pages included: a before-send hook sees the
    answers exception handlers and the router make (a 404), which ``after_request`` does not."""
    headers = dict(SECURITY_HEADERS)
    if settings.public_base_url.startswith("https://"):
        headers["strict-transport-security"] = HSTS
    encoded = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]

    async def add(message: Message, _: Scope) -> None:
        # Every answer passes here, each webhook's too: plain lists of byte pairs, as ASGI has them.
        if message["type"] != "http.response.start":
            return
        raw = list(message.get("headers") or ())
        present = {name.lower() for name, _ in raw}
        raw.extend(pair for pair in encoded if pair[0] not in present)
        message["headers"] = raw

    return add


async def _rollback_if_open(connection: asyncpg.Connection) -> None:
    """What a connection needs on its way back to the driver pool.

    asyncpg's default reset sends one more query on every release (unlock advisory locks, close
    cursors, UNLISTEN, RESET ALL). Nothing on this pool leaves such session state behind: its
    statements each run alone, so only a transaction cut short by an error can remain.
    """
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    templates = template_environment()
    trusted_proxies = TrustedProxies.parse(settings.trusted_proxies)  # a typo stops start-up

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = create_engine(settings.sqlalchemy_url, pre_ping=False)
        sessions = session_factory(engine)
        # A blocking pool: redis-py's default asyncio pool checks connections under one lock, which
        # queues every command behind busy event-loop turns (redis/redis-py#3692; bench/live.py).
        redis = ArqRedis(
            connection_pool=BlockingConnectionPool.from_url(
                settings.redis_url,
                max_connections=64,
                timeout=5,
                socket_connect_timeout=1,
                socket_timeout=2,
                retry_on_timeout=True,
            )
        )
        dispatcher = RedisDispatcher(redis, settings.redis_prefix)
        hotel_secrets = SecretsHealth(sessions)
        try:
            log_unreadable(await hotel_secrets.check(force=True))
        except Exception as exc:  # the database may be down at start-up; readiness says so
            log.warning("could not check the hotels' stored secrets at start-up (%s)", exc.__class__.__name__)
        llm_http = httpx.AsyncClient(timeout=llm_timeout())
        # An admin waits for these calls in the page: a shorter read than the worker's sends.
        green_http = httpx.AsyncClient(timeout=httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0))
        assistant = AssistantDeps(
            sessions,
            dispatcher,
            OpenAICompatibleLlm(llm_http),
            LlmEndpoint(settings.deepseek_api_url, settings.deepseek_api_key, settings.deepseek_model),
            knowledge_token_budget=settings.knowledge_token_budget,
            history_messages=settings.ai_history_messages,
        )
        # The webhook's hot path talks to PostgreSQL through a plain asyncpg pool (min_size 0: the
        # process starts even while the database is down, and answers 503 until it is back).
        driver_pool = await asyncpg.create_pool(
            settings.asyncpg_dsn,
            min_size=0,
            max_size=20,
            max_inactive_connection_lifetime=300,
            reset=_rollback_if_open,
        )
        scripts = migration_scripts()
        session_store = SessionStore(redis, settings.redis_prefix, idle=settings.session_idle_seconds)
        resources = Resources(
            settings=settings,
            engine=engine,
            sessions=sessions,
            redis=redis,
            dispatcher=dispatcher,
            driver_pool=driver_pool,
            ingest_batches=IngestBatches(driver_pool, on_batch=INGEST_BATCHES.observe),
            assistant=assistant,
            templates=templates,
            session_store=session_store,
            login_throttle=LoginThrottle(redis, settings.redis_prefix),
            live_sockets=LiveSockets(redis, settings.redis_prefix),
            trusted_proxies=trusted_proxies,
            secure_cookies=settings.public_base_url.startswith("https://"),
            hotel_secrets=hotel_secrets,
            webhook_failures=WebhookFailures(redis, settings.redis_prefix),
            webhook_arrivals=WebhookArrivals(redis, settings.redis_prefix),
            green_api=HttpGreenApi(green_http),
            oidc_provider=ProviderClient(settings),
            webhook_hotels=WebhookHotels(),
            timezones=HotelTimezones(sessions),
            migration_head=scripts.get_current_head(),
            known_revisions=frozenset(revision.revision for revision in scripts.walk_revisions()),
        )
        hub = LiveHub(
            redis_url=settings.redis_url,
            prefix=settings.redis_prefix,
            redis=redis,
            session_store=session_store,
            templates=templates,
            readers=resources.driver_uow,
            sessions=sessions,
        )
        # Read by the providers of web.deps only; handlers declare what they need.
        app.state.resources = resources
        app.state.hub = hub
        hub.start()
        # Everything loaded at start-up lives as long as the process: keep it out of the garbage
        # collector's full passes, which otherwise grow into 100 ms pauses (bench/ingest.py).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await hub.stop()
            await resources.webhook_arrivals.close()
            await llm_http.aclose()
            await green_http.aclose()
            await driver_pool.close()
            await redis.aclose()
            await engine.dispose()

    return Litestar(
        route_handlers=[
            HealthController,
            green_api_webhook,
            InboxController,
            AuthController,
            OidcController,
            ConversationController,
            DraftController,
            ServiceRequestController,
            StaffController,
            StaffLinkController,
            AuditController,
            SavedReplyController,
            FeedbackController,
            AnalyticsController,
            KnowledgeController,
            KnowledgeToolsController,
            GuestPrivacyController,
            HotelAlertsController,
            AdminController,
            WhatsappController,
            AiProviderController,
            live,
            metrics,
            create_static_files_router(
                path="/static", directories=[ROOT / "static"], send_as_attachment=False
            ),
        ],
        dependencies=DEPENDENCIES,
        plugins=[HTMXPlugin()],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(templates)),
        lifespan=[lifespan],
        exception_handlers={
            **EXCEPTION_HANDLERS,  # type: ignore[dict-item]
            LoginRequired: _login_required,
            Forbidden: forbidden,
            CsrfRejected: forbidden,
        },
        before_send=[security_headers(settings)],
        middleware=[MetricsMiddleware],
        logging_config=None,  # the process configures logging once (observability.logs), structured
        debug=False,
    )


def app_from_env() -> Litestar:
    """Entry point for ``uvicorn --factory web.app:app_from_env``."""
    return create_app()
