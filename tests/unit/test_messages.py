"""The message catalogs (``data/messages/``): complete in both languages, shipped as package data,
and in step with the code and the templates (every key used exists, every key is used)."""

from __future__ import annotations

import re
import tomllib
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path
from typing import get_args

import pytest

from loanmatch.adapters.catalog_file import DEFAULT_CATALOG, load_catalog
from loanmatch.adapters.messages import (
    MESSAGES_DIR,
    default_messages,
    load_messages,
    placeholders,
)
from loanmatch.domain.applications import REPAYMENT_METHODS, Status
from loanmatch.domain.consent import ConsentStatus
from loanmatch.errors import InputError, ModelSwitchError
from loanmatch.lang import LANGS
from loanmatch.matching.results import ExclusionKind
from loanmatch.services.operations import STAGES as OPERATOR_STAGES
from loanmatch.storage.records import JOB_STATUSES, MODEL_ROLES
from loanmatch.web.chat_apply import REFUSALS
from loanmatch.web.portal_inbox import STAGES

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "loanmatch"
TEMPLATES = SRC / "web" / "templates"

_CALL = re.compile(r"""\b(t|lookup)\(\s*["']([a-z_]+\.[a-z0-9_]+)["']""")
_SECTION_CALL = re.compile(r"""\bsection\(\s*["']([a-z_]+)["']""")
_TEMPLATE_SECTIONS = {
    "index.html": {r"\bt\.(\w+)": "page", r"\bwords\.(\w+)": "result"},
    "chat.html": {r"\bt\.(\w+)": "chat_page", r"\bwords\.(\w+)": "result"},
    "portal.html": {r"\bt\.(\w+)": "portal"},
    "console.html": {r"\bt\.(\w+)": "console"},
}


def _dynamic_keys() -> set[str]:
    """Keys the code builds from data: the exclusion kinds, the consent statuses, the groups and
    units of the shipped feature catalog."""
    catalog = load_catalog(DEFAULT_CATALOG)
    keys = {f"exclusion.{kind}" for kind in get_args(ExclusionKind)}
    keys |= {f"chat_page.status_{status}" for status in get_args(ConsentStatus)}
    keys |= {f"portal.status_{status.value}" for status in Status}
    keys |= {f"portal.stage_{stage}" for stage in STAGES}
    keys |= {f"portal.method_{method}" for method in REPAYMENT_METHODS}
    keys |= {f"chat_page.refused_{rule}" for rule in REFUSALS}
    keys |= {"portal.version_draft", "portal.version_published"}
    keys |= {f"console.stage_{stage}" for stage in OPERATOR_STAGES}
    keys |= {f"console.role_{role}" for role in MODEL_ROLES}
    keys |= {f"console.status_{status}" for status in JOB_STATUSES}
    keys |= {f"console.model_switch_{rule}" for rule in ModelSwitchError.rules}
    keys |= {f"group.{f.group or 'other'}" for f in catalog.features} | {"group.other"}
    keys |= {f"unit.{f.unit}" for f in catalog.features if f.unit not in (None, "count", "ratio")}
    return keys


def _code_keys() -> tuple[set[str], set[str]]:
    """The keys the Python code names (``t("page.title", ...)``) and the sections it reads."""
    keys: set[str] = set()
    sections: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        keys |= {m.group(2) for m in _CALL.finditer(text)}
        sections |= {m.group(1) for m in _SECTION_CALL.finditer(text)}
    return keys, sections


def _template_keys() -> set[str]:
    keys: set[str] = set()
    for name, patterns in _TEMPLATE_SECTIONS.items():
        text = (TEMPLATES / name).read_text(encoding="utf-8")
        for pattern, section in patterns.items():
            keys |= {f"{section}.{key}" for key in re.findall(pattern, text)}
    return keys


def test_every_key_is_in_every_language_with_a_text_and_the_same_placeholders() -> None:
    catalogs = default_messages().catalogs
    assert set(catalogs) == set(LANGS)
    reference = catalogs["zh-CN"]
    for lang in LANGS:
        catalog = catalogs[lang]
        assert set(catalog) == set(reference), lang
        assert [k for k, text in catalog.items() if not text.strip()] == [], lang
        differ = [k for k in catalog if placeholders(catalog[k]) != placeholders(reference[k])]
        assert differ == [], lang


def test_every_key_the_code_and_the_templates_use_exists() -> None:
    known = default_messages().keys
    code_keys, sections = _code_keys()
    assert code_keys, "the scan found no t(...) call: is the pattern out of date?"
    assert sorted(code_keys - known) == []
    assert sorted(_template_keys() - known) == []
    assert sorted(_dynamic_keys() - known) == []
    assert sorted(s for s in sections if not any(k.startswith(f"{s}.") for k in known)) == []


def test_every_key_is_used_by_the_code_or_a_template() -> None:
    """Group headings and units are a vocabulary for any market's catalog, so all count as used."""
    code_keys, _ = _code_keys()
    used = code_keys | _template_keys() | _dynamic_keys()
    unused = {k for k in default_messages().keys - used if not k.startswith(("group.", "unit."))}
    assert sorted(unused) == []


def test_no_template_word_is_hidden_by_a_mapping_method() -> None:
    messages = default_messages()
    for section in ("page", "result", "chat_page", "portal", "console"):
        clashes = {key for key in messages.section(section, "zh-CN") if hasattr(dict, key)}
        assert not clashes, f"Jinja would read {section}: {clashes} as dict methods"


def test_a_message_takes_its_placeholders_and_any_language_tag() -> None:
    messages = default_messages()
    assert messages.t("page.threshold", "zh", p="80%") == "只推荐获批概率不低于80%的产品。"
    assert messages.t("page.threshold", "en-US", p="80%").startswith("Only products")
    assert messages.lookup("group.nothing_like_this", "en") is None
    with pytest.raises(KeyError):
        messages.t("page.nothing_like_this", "en")


def test_the_catalogs_ship_as_package_data() -> None:
    shipped = resources.files("loanmatch") / "data" / "messages"
    for lang in LANGS:
        assert (shipped / f"{lang}.yaml").is_file()
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]["package-data"]["loanmatch"]
    for path in MESSAGES_DIR.glob("*.yaml"):
        relative = path.relative_to(SRC).as_posix()
        assert any(fnmatch(relative, p) for p in patterns), relative


def _write(directory: Path, zh: str, en: str) -> Path:
    (directory / "zh-CN.yaml").write_text(zh, encoding="utf-8")
    (directory / "en.yaml").write_text(en, encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    ("zh", "en", "problem"),
    [
        ('a:\n  x: "甲"\n  y: "乙"\n', 'a:\n  x: "A"\n', "missing messages (in zh-CN.yaml): a.y"),
        ('a:\n  x: "甲"\n', 'a:\n  x: "A"\n  z: "Z"\n', "messages not in zh-CN.yaml: a.z"),
        ('a:\n  x: "{n}个"\n', 'a:\n  x: "{count} of them"\n', "placeholders ['count']"),
        ('a:\n  x: "甲"\n', 'a:\n  x: "  "\n', "a.x must be a non-empty text"),
        ('a:\n  yes: "是"\n', 'a:\n  yes: "Yes"\n', "(quote it)"),
        ('a:\n  x: "{n"\n', 'a:\n  x: "{n}"\n', "a.x:"),
        ("a: [1, 2]\n", 'a:\n  x: "A"\n', "section 'a' must be a mapping"),
    ],
)
def test_a_broken_catalog_is_refused_naming_the_file_and_the_key(
    tmp_path: Path, zh: str, en: str, problem: str
) -> None:
    with pytest.raises(InputError) as caught:
        load_messages(_write(tmp_path, zh, en))
    assert problem in caught.value.message
    assert caught.value.where.file is not None
    assert caught.value.where.file.endswith(".yaml")
