"""`rex offboard TENANT`: every stored model of a tenant, in all five formats, in one zip for the
client; optionally delivered into the exports location with a download link.

The consent gate comes first (a tenant in its post-termination hold needs no consent, a live one
needs a valid export consent). The models are read from the Suite's live database or from a
backup restored into a scratch cluster (``offboard_source``); the bundle is built resumably
(``bundle``) with the ``generated_at`` the catalog keeps (``offboard_record``); ``--upload``
stores it with retain-until at the hold's end (``delivery``) and marks the offboarding delivered.
Nothing here reads the clock: ``now`` and ``clock`` come from the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from exporters import jsoncodec, store
from exporters import offboard_record as record
from exporters import offboard_source as sources
from exporters.bundle import Bundle, Header, ModelRef, Progress, build_bundle
from exporters.delivery import Delivery, deliver
from exporters.errors import StoreError
from exporters.model_di import ProcessModel
from retention.catalog.db import open_catalog
from retention.consent import require_export_consent
from retention.errors import InputError
from retention.policy import Policy, load_policy


@dataclass(frozen=True)
class Places:
    """Where rex's data is: the group options, resolved."""

    catalog: str
    suite_db: str
    policy: str
    storage: str | None = None
    exports: str | None = None  # None: --upload cannot be used


@dataclass(frozen=True)
class Request:
    tenant: str
    out: Path
    from_backup: str | None = None  # a backup id, or "final"
    at: datetime | None = None
    server: str | None = None
    suite_dbname: str | None = None
    upload: bool = False


@dataclass(frozen=True)
class Offboarding:
    tenant: str
    basis: str  # why the export may go ahead: a consent, or the post-termination hold
    source: dict[str, object]
    generated_at: datetime
    again: bool  # an earlier run began this offboarding (its generated_at is kept)
    bundle: Bundle
    hold_until: datetime | None
    delivery: Delivery | None


def rex_version() -> str:
    try:
        return version("rex")
    except PackageNotFoundError:
        return "unknown"


def offboard(places: Places, request: Request, now: datetime, actor: str,
             clock: Callable[[], datetime], progress: Progress | None = None,
             signing_clock: Callable[[], datetime] | None = None) -> Offboarding:
    """Check the basis, build (or finish) the bundle, deliver it when asked.

    ``signing_clock`` is the real clock, needed by ``--upload`` on S3: botocore signs the
    client's link at the real time, not at ``now``."""
    _check_request(places, request)
    basis = require_export_consent(places.catalog, places.policy, request.tenant, now, actor,
                                   f"offboard {request.tenant}")
    policy = load_policy(places.policy)
    engine = open_catalog(places.catalog)
    terms = record.tenant_terms(engine, policy, request.tenant)
    with _source(engine, places, request, terms.terminated_at, now, actor) as source, \
            _suite(source.url) as suite:
        refs = _models(suite, request.tenant)
        generated_at, again = record.begin(engine, request.tenant, source.descriptor, refs,
                                           now, actor)
        header = Header(request.tenant, generated_at, rex_version(), policy.name, policy.sha256,
                        source.descriptor)
        bundle = build_bundle(request.out, header, refs, _loader(suite, request.tenant),
                              progress)
    record.record_bundle(engine, request.tenant, bundle, generated_at, source.descriptor, now,
                         actor)
    delivery = _deliver(engine, places, policy, request.tenant, bundle, generated_at,
                        source.descriptor, terms.hold_until, now, actor, clock,
                        signing_clock) if request.upload else None
    return Offboarding(request.tenant, basis, source.descriptor, generated_at, again, bundle,
                       terms.hold_until, delivery)


def _check_request(places: Places, request: Request) -> None:
    if request.from_backup is not None and request.at is not None:
        raise InputError("offboard: give --from-backup POINT or --at INSTANT, not both")
    if request.from_backup is None and request.at is None and \
            (request.server is not None or request.suite_dbname is not None):
        raise InputError("offboard: --server and --suite-dbname choose where a backup is "
                         "restored; they need --from-backup POINT or --at INSTANT")
    if request.upload and not places.exports:
        raise InputError("offboard --upload: no exports location; set --exports/REX_EXPORTS "
                         "(s3://bucket/prefix or file:///dir) or --storage")


@contextmanager
def _source(engine: Engine, places: Places, request: Request, terminated_at: datetime | None,
            now: datetime, actor: str) -> Iterator[sources.Source]:
    if request.from_backup is None and request.at is None:
        yield sources.live(places.suite_db)
        return
    if not places.storage:
        raise InputError("offboard --from-backup/--at: no storage; set --storage/REX_STORAGE to "
                         "the URL barman-cloud writes to")
    backup = sources.BackupRequest(request.from_backup, request.at, request.server,
                                   sources.suite_dbname(request.suite_dbname, places.suite_db))
    with sources.from_backup(engine, places.storage, request.tenant, terminated_at, backup, now,
                             actor) as source:
        yield source


@contextmanager
def _suite(url: str) -> Iterator[Engine]:
    """The Suite database's engine, its connections closed afterwards."""
    engine = store.connect(url)
    try:
        store.require_schema(engine)
        yield engine
    finally:
        engine.dispose()


def _models(engine: Engine, tenant: str) -> list[ModelRef]:
    """The tenant's models with their latest versions (no content yet)."""
    with Session(engine) as session:
        found = store.list_models(session, tenant)
    if not found:
        raise StoreError(f"tenant {tenant}: no process models stored; nothing to offboard")
    return [ModelRef(m.model_id, m.name, m.latest_version) for m in found]


def _loader(engine: Engine, tenant: str) -> Callable[[ModelRef], ProcessModel]:
    """Reads one model version at a time: memory holds one model, whatever the tenant's size."""

    def load(ref: ModelRef) -> ProcessModel:
        with Session(engine) as session:
            row = store.load_version(session, tenant, ref.model_id, ref.version)
        where = f"tenant {tenant} model {ref.model_id} version {ref.version}"
        return ProcessModel(row.model_id, row.name, jsoncodec.loads(row.content, where))

    return load


def _deliver(engine: Engine, places: Places, policy: Policy, tenant: str, bundle: Bundle,
             generated_at: datetime, source: dict[str, object], hold_until: datetime | None,
             now: datetime, actor: str, clock: Callable[[], datetime],
             signing_clock: Callable[[], datetime] | None) -> Delivery:
    assert places.exports is not None
    assert signing_clock is not None, "an upload needs the real clock its link is signed at"
    delivery = deliver(places.exports, clock, tenant, bundle.path, hold_until,
                       policy.object_lock.mode, now, signing_clock)
    record.record_delivery(engine, tenant, bundle, generated_at, source, delivery.document(),
                           now, actor)
    return delivery
