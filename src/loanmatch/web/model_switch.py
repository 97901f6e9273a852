"""The served model, switched without dropping a request (issue 13).

A :class:`ModelSwitch` holds the model a server answers with. Every request asks it for the
current one (:meth:`ModelSwitch.current`); at most every ``check_seconds`` that call also reads
the registry's champion (``services/models.served``: one indexed row). When the champion is
another model, a background thread loads its directory (hashes checked, ``load_model``) and
runs the ``prepare`` hooks on it (the intake engine over the new model is built there, not on
a request); only then is the reference swapped, under a lock. A request holds the model it
started with to its end, so requests in flight finish on the old model, later ones use the new
one, and none waits for the load. A directory that cannot be loaded is logged and the old model
kept (the check runs again later).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from loanmatch.errors import LoanMatchError
from loanmatch.model.bundle import ModelBundle
from loanmatch.model.directory import load_model

__all__ = ["ModelSwitch", "Resolver"]

logger = logging.getLogger(__name__)

Resolver = Callable[[], tuple[str, Path] | None]
"""The champion's id and directory (None: keep the model served at start)."""


class ModelSwitch:
    def __init__(
        self,
        bundle: ModelBundle,
        model_id: str,
        resolve: Resolver | None = None,
        check_seconds: float = 2.0,
        load: Callable[[Path], ModelBundle] = load_model,
    ) -> None:
        self._served: tuple[str, ModelBundle] = (model_id, bundle)
        self._resolve = resolve
        self._check_seconds = check_seconds
        self._load = load
        self._lock = threading.Lock()
        self._checking = threading.Lock()
        """Held while one caller reads the registry: checks run one at a time, so a stale read
        can never start loading an older champion after a newer one was served."""
        self._checked = time.monotonic()
        self._loading: str | None = None
        self._failed: set[str] = set()
        self._prepare: list[Callable[[ModelBundle], None]] = []
        self.switches = 0
        """How many times the served model changed (tests and the console read it)."""

    @property
    def model_id(self) -> str:
        return self._served[0]

    @property
    def check_seconds(self) -> float:
        return self._check_seconds

    def on_switch(self, prepare: Callable[[ModelBundle], None]) -> None:
        """Run ``prepare(bundle)`` on every new model before it is served (in the loader)."""
        self._prepare.append(prepare)

    def set_resolver(self, resolve: Resolver) -> None:
        self._resolve = resolve

    def current(self) -> ModelBundle:
        """The model to answer this request with (and, now and then, a look at the registry)."""
        served = self._served
        now = time.monotonic()
        if self._resolve is not None and now - self._checked >= self._check_seconds:
            self._checked = now
            if self._checking.acquire(blocking=False):  # another request is looking: go on
                try:
                    self._check(served[0])
                finally:
                    self._checking.release()
        return served[1]

    def check_now(self) -> None:
        """Read the registry now and load a new champion in the background (tests, console)."""
        with self._checking:
            self._check(self._served[0])

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Wait until no load runs; True when none does (tests)."""
        deadline = time.monotonic() + timeout
        while self._loading is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        return self._loading is None

    def _check(self, current_id: str) -> None:
        if self._resolve is None:
            return
        try:
            champion = self._resolve()
        except Exception:  # the database briefly unavailable: keep serving, look again later
            logger.warning("could not read the champion model; serving %s", current_id)
            return
        if champion is None or champion[0] == current_id or champion[0] in self._failed:
            return
        with self._lock:
            if self._loading is not None or champion[0] == self._served[0]:
                return
            self._loading = champion[0]
        threading.Thread(target=self._switch, args=champion, daemon=True).start()

    def _switch(self, model_id: str, directory: Path) -> None:
        try:
            bundle = self._load(directory)
            for prepare in self._prepare:
                prepare(bundle)
        except Exception as error:  # a bad directory must not stop the server
            expected = isinstance(error, LoanMatchError | OSError)
            level = logging.ERROR if expected else logging.CRITICAL
            logger.log(level, "the champion %s cannot be served (%s); keeping %s", model_id,
                       error, self._served[0])  # fmt: skip
            with self._lock:
                self._failed.add(model_id)
                self._loading = None
            return
        with self._lock:
            self._served = (model_id, bundle)
            self.switches += 1
            self._loading = None
        logger.info("now serving the model %s", model_id)
