"""Assemble the hub from a configuration, start it, stop it.

One process, one event loop, one SQLite file: the DUIS pipeline and the admin API on
``port``, the SMKI certificate service on ``port + 4``, the processor, the scheduler and
the deliverer as tasks of the same loop. Start-up is: open the database (applying any new
schema), open the estate (reading nothing wholesale), seed it if asked and empty, load the
keys, then recover: the replay counters from the journal, every ACCEPTED request back to
the processor, every undelivered response back to the deliverer.

Two estates:

- ``demo``: opendcc's own PKI (``opendcc pki init`` in ``<data>/pki`` if absent) and a
  seeded demo estate; the DCC signs with the PKI's DSP XML-signing identity.
- ``rtds``: the devices the DUIS reference templates target, with the DCC Boxed test
  identities from ``boxed_keys`` (its organisation certificates, keys and the DSP XML-signing
  key, so Boxed clients verify the hub's responses with the keys they hold). Certificate
  validity periods are not checked in this mode (DCC Boxed does not, and its test
  certificates expired in 2025). Device keys are derived from the data directory's own
  device CA and published by the SMKI service.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI

import opendcc.store.estate as estate_store  # noqa: F401  (registers the estate tables)
from opendcc.access.users import DccUser
from opendcc.api import admin, admin_auth, hand_held, opt_in, sec_admin, traces
from opendcc.api.duis_http import DuisApp
from opendcc.api.server import Listener, Tls, serve
from opendcc.api.smki_http import SmkiApp
from opendcc.clock import Clock, SystemClock
from opendcc.devices import catalogue as device_catalogue
from opendcc.devices.simulator import DeviceSimulator
from opendcc.duis.schema import DuisSchema, load_schema
from opendcc.duis.signature import SignatureVerifier, SigningIdentity
from opendcc.estate.records import UserUpdate
from opendcc.eui import DCC_ACCESS_CONTROL_BROKER, Eui64
from opendcc.gbcs.security import GbcsSecurity
from opendcc.hub import states as _states  # noqa: F401  (registers device_state)
from opendcc.hub.delivery import Deliverer, RetryPolicy, Transport
from opendcc.hub.nondevice import NonDeviceService
from opendcc.hub.pipeline import Pipeline
from opendcc.hub.processor import Processor
from opendcc.hub.responses import ResponseSigner
from opendcc.hub.schedules import ScheduleService
from opendcc.hub.sec_bridge import Suspensions
from opendcc.hub.smki_view import SmkiInventoryView
from opendcc.hub.states import DeviceStates
from opendcc.sec.suspension_gate import SuspensionGate
from opendcc.smki import orgcrypto
from opendcc.smki.devices import DeviceDirectory
from opendcc.smki.directory import ChainedDirectory
from opendcc.smki.estates import DEMO
from opendcc.smki.identity import KeyUsage, RemotePartyRole
from opendcc.smki.keystore import KeyEntry, Keystore
from opendcc.smki.pkidir import PkiDirectory, init_pki
from opendcc.store import journal as jr
from opendcc.store.database import Database
from opendcc.store.estate import SqliteEstate, open_estate
from opendcc.transform import catalogue as transform_catalogue
from opendcc.wan.network import SmWan

log = logging.getLogger("opendcc.hub")

_ = (device_catalogue, transform_catalogue)  # importing them registers every family


class HubError(RuntimeError):
    """The hub cannot start as configured (the message says what to change)."""


@dataclass(slots=True)
class HubConfig:
    data_dir: Path = Path("var/opendcc")
    host: str = "127.0.0.1"
    port: int = 8079
    estate: str = "demo"
    """``demo``, ``rtds`` or ``existing`` (use what the database holds)."""
    premises: int = 20
    seed: int = 1
    boxed_keys: Path | None = None
    keystores: tuple[Path, ...] = ()
    callbacks: dict[Eui64, str] = field(default_factory=dict)
    schema_dir: Path | None = None
    check_validity: bool | None = None
    """None: check certificate validity periods, except in the rtds estate."""
    wan: SmWan = field(default_factory=SmWan.instantaneous)
    workers: int = 16
    tls: Tls | None = None
    synchronous: str = "NORMAL"
    clock: Clock = field(default_factory=SystemClock)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    transport: Transport | None = None
    log_level: str = "warning"
    admin_token: str | None = None
    """The admin API's bearer token; None: open on a loopback host, else ``DATA/admin-token``
    (``api.admin_auth``)."""

    @property
    def db_path(self) -> Path:
        return self.data_dir / "hub.sqlite"

    @property
    def pki_dir(self) -> Path:
        return self.data_dir / "pki"


class Hub:
    """The running hub: build with a ``HubConfig``, then ``await start()`` or ``run()``."""

    def __init__(self, config: HubConfig) -> None:
        self.config = config
        self.clock = config.clock
        self.db: Database | None = None
        self.started_at: float | None = None

    # --- start and stop -------------------------------------------------------------------

    async def start(self) -> None:
        config = self.config
        started = time.perf_counter()
        config.data_dir.mkdir(parents=True, exist_ok=True)
        pki = self._pki()
        self.db = db = Database(config.db_path, synchronous=config.synchronous).open()
        self.estate = estate = open_estate(db, clock=self.clock)
        self.keystore = keystore = self._keystore(pki)
        await self._seed(estate, keystore, pki)
        await self._apply_callbacks(estate)

        credentials = pki.device_credentials()
        self.credentials = credentials
        inventory = estate.inventory

        def device_keys(eui: Eui64, usage: KeyUsage) -> KeyEntry | None:
            return credentials.entry(eui, usage) if inventory.get_device(eui) else None

        self.security = security = GbcsSecurity(keystore, device_keys=device_keys)
        self.device_directory = DeviceDirectory(
            credentials, lambda e: inventory.get_device(e) is not None
        )
        self.signer = signer = ResponseSigner(self._dsp_identity(keystore))
        check_validity = (
            (config.estate != "rtds") if config.check_validity is None else config.check_validity
        )
        verifier = SignatureVerifier(keystore, check_validity=check_validity)
        self.suspensions = Suspensions(db)
        self.states = states = DeviceStates(db, inventory)
        self.deliverer = deliverer = Deliverer(
            db, self.clock, self._callback_url, transport=config.transport, policy=config.retry
        )
        self.processor = processor = Processor(
            db,
            self.clock,
            estate,
            states,
            DeviceSimulator(security, inventory, states.peer),
            config.wan,
            signer,
            deliverer,
            workers=config.workers,
        )
        self.schedules = schedules = ScheduleService(db)
        self.pipeline = Pipeline(
            db=db,
            clock=self.clock,
            estate=estate,
            verifier=verifier,
            keystore=keystore,
            security=security,
            signer=signer,
            suspensions=SuspensionGate(self.suspensions.repository),
            replay=jr.ReplayGuard(jr.load_counters(db.reader())),
            accept=processor.submit,
            nondevice=NonDeviceService(
                estate, signer, schedules, states=states, security=security, keystore=keystore
            ),
            schema=self._schema(),
            transform_inventory=SmkiInventoryView(inventory, self.device_directory),
        )
        schedules.attach(
            self.pipeline, processor.submit, processor.wake, signer=signer, deliverer=deliverer
        )
        processor.timed.append(schedules)
        processor.schedule_of = schedules.schedule_of
        recovered = processor.recover()
        await deliverer.start()
        await processor.start()
        self.pipeline.ready_flag = True
        self.started_at = time.perf_counter() - started
        log.info("hub ready in %.2f s (%d requests recovered)", self.started_at, recovered)

    async def stop(self) -> None:
        if self.db is None:
            return
        self.pipeline.ready_flag = False
        await self.processor.stop()
        await self.deliverer.stop()
        self.db.close()
        self.db = None

    async def run(
        self,
        *,
        stop: asyncio.Event | None = None,
        on_started: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Start, serve DUIS and SMKI until ``stop`` (or SIGINT/SIGTERM), then stop."""
        try:
            await self.start()
        except BaseException:
            # A start that fails (a --callback naming no User, say) leaves the database
            # closed and whole, not held open until the process ends.
            if self.db is not None:
                self.db.close()
                self.db = None
            raise
        try:
            await serve(
                self.listeners(),
                tls=self.config.tls,
                log_level=self.config.log_level,
                on_started=on_started,
                stop=stop,
            )
        finally:
            await self.stop()

    def listeners(self) -> list[Listener]:
        config = self.config
        duis = DuisApp(self.pipeline, fallback=self.admin_app())
        smki = SmkiApp(
            ChainedDirectory(self.keystore, self.device_directory),
            self.clock,
            lambda: orgcrypto.org_crypto_zip(self.keystore),
        )
        return [
            Listener(duis, config.host, config.port, "duis"),
            Listener(smki, config.host, config.port + 4, "smki"),
        ]

    def admin_app(self) -> FastAPI:
        app = FastAPI(
            title="opendcc admin API",
            version="1",
            description="Users, Devices, registrations and request traces of the hub.",
        )
        admin.attach(app, self.estate)
        traces.attach(app, self)
        token = self.admin_token()
        guard: dict[str, Any] = (
            {}
            if token is None
            else {
                "dependencies": [Depends(admin_auth.token_dependency(token))],
                "responses": admin_auth.UNAUTHORISED,
            }
        )
        app.include_router(admin.router, prefix="/admin/v1", **guard)
        app.include_router(traces.router, prefix="/admin/v1", **guard)
        app.include_router(sec_admin.router, prefix="/admin/v1/sec", **guard)
        app.include_router(opt_in.router, prefix="/admin/v1", **guard)
        app.include_router(hand_held.router, prefix="/admin/v1", **guard)
        if token is not None:
            app.add_middleware(admin_auth.RequireToken, token=token)
        return app

    def admin_token(self) -> str | None:
        """The token the admin API requires (None: open); see ``api.admin_auth``."""
        config = self.config
        try:
            return admin_auth.resolve_admin_token(config.host, config.admin_token, config.data_dir)
        except (ValueError, OSError) as exc:
            raise HubError(f"cannot set up the admin token: {exc}") from exc

    # --- parts ------------------------------------------------------------------------------

    def _pki(self) -> PkiDirectory:
        path = self.config.pki_dir
        if not (path / "index.json").exists():
            init_pki(path, DEMO, self.clock.now())
        try:
            return PkiDirectory.open(path)
        except Exception as exc:  # a damaged PKI directory: say which and why
            raise HubError(f"cannot open the PKI in {path}: {exc}") from exc

    def _keystore(self, pki: PkiDirectory) -> Keystore:
        paths: list[Path] = [pki.path]
        if self.config.estate == "rtds":
            if self.config.boxed_keys is None:
                raise HubError("the rtds estate needs --boxed-keys (the DCC Boxed key folder)")
            paths = [self.config.boxed_keys, pki.path]
        paths += list(self.config.keystores)
        keystore = Keystore.load(*paths)
        for warning in keystore.warnings:
            log.info("keystore: %s", warning)
        return keystore

    def _dsp_identity(self, keystore: Keystore) -> SigningIdentity:
        if self.config.estate == "rtds" and self.config.boxed_keys is not None:
            # Boxed clients verify responses with the DSP key they hold: sign with that one,
            # not with the (newer) DSP identity of opendcc's own PKI in the same keystore.
            keystore = Keystore.load(self.config.boxed_keys)
        entry = keystore.signer(
            DCC_ACCESS_CONTROL_BROKER, roles=[RemotePartyRole.DSP_XML_SIGNING], at=self.clock.now()
        )
        if entry is None:
            entry = keystore.signer(DCC_ACCESS_CONTROL_BROKER, at=self.clock.now())
        if entry is None:
            raise HubError("no DSP XML-signing key for 90-B3-D5-1F-30-00-00-02 in the keys")
        return SigningIdentity.from_entry(entry)

    def _schema(self) -> DuisSchema | None:
        from opendcc.config import duis_schema_dir  # noqa: PLC0415

        directory = self.config.schema_dir or duis_schema_dir()
        if directory is None:
            return None
        schema = load_schema(directory)
        if not isinstance(schema, DuisSchema):
            raise HubError(f"cannot load the DUIS schema from {directory}: {schema}")
        return schema

    async def _seed(self, estate: SqliteEstate, keystore: Keystore, pki: PkiDirectory) -> None:
        from opendcc.estate.demo import DemoSettings  # noqa: PLC0415
        from opendcc.estate.seed import demo_cast, seed_demo, seed_rtds  # noqa: PLC0415

        kind = self.config.estate
        if kind == "rtds":
            await asyncio.to_thread(seed_rtds, estate, keystore=keystore)
        elif kind == "demo" and estate.counts().devices == 0:
            cast = demo_cast(pki.path, self.clock.now())
            total = self.config.premises
            settings = DemoSettings(total, seed=self.config.seed)
            step = max(total // 10, 1000)
            log.info("seeding a demo estate of %d premises", total)

            reported = [0]

            def progress(done: int) -> None:
                # A server log, not a terminal: a line every tenth of the way.
                if done // step > reported[0] or done == total:
                    reported[0] = done // step
                    log.info("seeded %d of %d premises", done, total)

            await asyncio.to_thread(seed_demo, estate, settings, cast, progress=progress)

    async def _apply_callbacks(self, estate: SqliteEstate) -> None:
        # Every one checked before any is applied: a wrong one changes nothing.
        unknown = [str(eui) for eui in self.config.callbacks if estate.users.get_user(eui) is None]
        if unknown:
            raise HubError(
                f"--callback names {', '.join(unknown)}, not a DCC User of this estate"
                if len(unknown) == 1
                else f"--callback names {', '.join(unknown)}, not DCC Users of this estate"
            )
        for eui, url in self.config.callbacks.items():
            await estate.users.update(eui, UserUpdate(callback_url=url))

    def _callback_url(self, recipient: str) -> str | None:
        user: DccUser | None = self.estate.users.get_user(Eui64.parse(recipient))
        return user.callback_url if user else None

    # --- for the CLI and tests ----------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        counts = self.estate.counts()
        return {
            "devices": counts.devices,
            "premises": counts.premises,
            "users": [str(u.eui) for u in self.estate.users.list_users()],
        }


def now_of(clock: Clock) -> datetime:
    return clock.now()
