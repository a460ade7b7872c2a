"""Our breaking/non-breaking verdict against oasdiff's on its own 186 test pairs (/work/shared/corpora/oasdiff).

We agree wherever our policy matches oasdiff's. Where it deliberately does not, the pair is listed in
DISAGREEMENTS with the reason; the test fails if a listed pair starts to agree (so the list stays
true) or an unlisted pair disagrees. docs/architects.md explains each kind of disagreement.
"""

from __future__ import annotations

import csv
import os
from datetime import date
from pathlib import Path

import pytest

from spec.governance import loader, versioning
from spec.governance.diff import breaking, diff

CORPUS = Path(os.environ.get("BOKBID_OASDIFF_CORPUS", "/work/shared/corpora/oasdiff"))

REMOVAL = "removing what a client sends or reads goes through deprecation and a major version (oasdiff: WARN)"
INPUT_BOUND = "a new bound on request input refuses values clients could send (newer oasdiff also says ERR)"
PATTERN = "a changed pattern cannot be shown to accept every old value, so we treat it as breaking (oasdiff: WARN)"
RESPONSE_PATTERN = "a response that may match fewer rules widens what clients receive (oasdiff does not check it)"
REQUIRED_UNDEFINED = "a name listed in `required` is required by JSON Schema even without a property definition"

# pair id → (our verdict, why we deliberately differ from oasdiff)
DISAGREEMENTS: dict[str, tuple[bool, str]] = {
    "012": (True, REQUIRED_UNDEFINED),
    "017": (True, REMOVAL),
    "024": (True, REMOVAL),
    "025": (True, REQUIRED_UNDEFINED),
    "041": (True, RESPONSE_PATTERN),
    "044": (True, PATTERN),
    "045": (True, RESPONSE_PATTERN),
    "046": (True, PATTERN),
    "051": (True, "removing an allOf part drops the properties and rules it brought (oasdiff: WARN)"),
    "058": (True, "BoB has no `x-stability-level: alpha`: whatever is released is stable"),
    "168": (True, REMOVAL),
    "169": (True, INPUT_BOUND),
    "170": (True, INPUT_BOUND),
    "171": (True, INPUT_BOUND),
    "172": (True, INPUT_BOUND),
    "173": (True, REMOVAL),
    "176": (True, REMOVAL),
}


def _pairs() -> list[dict[str, str]]:
    manifest = CORPUS / "manifest.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


PAIRS = _pairs()
pytestmark = pytest.mark.skipif(not PAIRS, reason=f"oasdiff corpus not found at {CORPUS} (BOKBID_OASDIFF_CORPUS)")


@pytest.mark.parametrize("pair", PAIRS, ids=[p["id"] for p in PAIRS])
def test_verdict_matches_oasdiff_or_is_a_documented_disagreement(pair: dict[str, str]) -> None:
    changes = diff(loader.load(CORPUS / pair["base"]), loader.load(CORPUS / pair["revision"]), date(2026, 6, 1))
    ours, theirs = breaking(changes), pair["breaking"] == "true"
    if pair["id"] in DISAGREEMENTS:
        expected, reason = DISAGREEMENTS[pair["id"]]
        assert ours == expected != theirs, f"pair {pair['id']} ({reason}) now agrees with oasdiff: update the list"
    else:
        assert ours == theirs, [(c.level, c.id, c.where, c.detail) for c in changes]


@pytest.mark.parametrize("pair", [p for p in PAIRS if p["id"] not in DISAGREEMENTS], ids=lambda p: p["id"])
def test_check_version_asks_for_a_major_bump_exactly_where_oasdiff_finds_a_breaking_change(
    pair: dict[str, str],
) -> None:
    old, new = loader.load(CORPUS / pair["base"]), loader.load(CORPUS / pair["revision"])
    for document in (old, new):  # most pairs keep info.version; judge the policy from 1.0.0
        document.root["info"] = {**document.root.get("info", {}), "version": "1.0.0"}
    verdict = versioning.check(old, new, date(2026, 6, 1))
    assert (verdict.required == "major") == (pair["breaking"] == "true")
    if verdict.required != "none":  # the version was kept, so any change must fail the check
        assert not verdict.ok


def test_the_corpus_is_complete_and_disagreements_are_few() -> None:
    assert len(PAIRS) == 186
    assert len(DISAGREEMENTS) <= 20
    assert set(DISAGREEMENTS) <= {p["id"] for p in PAIRS}


def test_the_architects_guide_explains_every_disagreement() -> None:
    guide = (Path(__file__).resolve().parent.parent / "docs" / "architects.md").read_text(encoding="utf-8")
    table = guide[guide.index("### Where we deliberately differ from oasdiff") :]
    assert [pair for pair in DISAGREEMENTS if pair not in table] == []
