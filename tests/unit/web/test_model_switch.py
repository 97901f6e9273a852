"""The served model's switch (web/model_switch.py): a new champion is loaded in the background
and swapped in whole, requests never wait for the load, and a directory that cannot be loaded
leaves the old model served."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import cast

from loanmatch.errors import ModelError
from loanmatch.model.bundle import ModelBundle
from loanmatch.web.model_switch import ModelSwitch


class FakeBundle:
    def __init__(self, name: str) -> None:
        self.model_id = name


def _bundle(name: str) -> ModelBundle:
    return cast("ModelBundle", FakeBundle(name))


def test_a_new_champion_is_loaded_in_the_background_and_then_served() -> None:
    release = threading.Event()
    prepared: list[str] = []

    def load(directory: Path) -> ModelBundle:
        release.wait(5)
        return _bundle(directory.name)

    champion = ("new", Path("/models/new"))
    switch = ModelSwitch(_bundle("old"), "old", lambda: champion, check_seconds=0.0, load=load)
    switch.on_switch(lambda bundle: prepared.append(bundle.model_id))
    assert switch.current().model_id == "old"  # the load started; this request did not wait
    assert switch.current().model_id == "old"
    release.set()
    assert switch.wait_idle(5)
    assert switch.current().model_id == "new"
    assert (switch.model_id, switch.switches, prepared) == ("new", 1, ["new"])


def test_a_champion_that_cannot_be_loaded_leaves_the_old_model_served() -> None:
    loads: list[Path] = []

    def load(directory: Path) -> ModelBundle:
        loads.append(directory)
        raise ModelError(f"{directory}: meta.json does not match model.txt")

    switch = ModelSwitch(_bundle("old"), "old", lambda: ("bad", Path("/models/bad")),
                         check_seconds=0.0, load=load)  # fmt: skip
    for _ in range(5):
        switch.current()
        switch.wait_idle(5)
    assert switch.current().model_id == "old"
    assert switch.switches == 0
    assert loads == [Path("/models/bad")]  # not tried again on every request


def test_requests_racing_a_run_of_switches_always_get_a_whole_model() -> None:
    names = [f"m{n}" for n in range(20)]
    pointer = ["m0"]
    switch = ModelSwitch(_bundle("m0"), "m0", lambda: (pointer[0], Path(pointer[0])),
                         check_seconds=0.0, load=lambda d: _bundle(d.name))  # fmt: skip
    seen: set[str] = set()
    errors: list[BaseException] = []
    stop = threading.Event()

    def serve() -> None:
        try:
            while not stop.is_set():
                seen.add(switch.current().model_id)
        except BaseException as error:  # pragma: no cover - the failure this test looks for
            errors.append(error)

    threads = [threading.Thread(target=serve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for name in names[1:]:
        pointer[0] = name
        switch.check_now()
        assert switch.wait_idle(5)
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors
    assert switch.model_id == "m19"
    assert switch.switches == 19
    assert seen <= set(names)
