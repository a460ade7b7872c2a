"""Personal identity numbers (personnummer) never appear in URLs, where proxies and logs keep them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from spec.governance import pointer
from spec.governance.lint import Issue, LintContext, rule

PNR_NAME = re.compile(
    r"personnummer|personalidentity|personalnumber|personnr|^pnr$|ssn|samordningsnummer|socialsecurity|nationalid",
    re.IGNORECASE,
)
PNR_WORDS = re.compile(r"personnummer|personal identity number|samordningsnummer", re.IGNORECASE)
# Twelve digits, or eight and four: the full personnummer (ten-digit forms clash with organisation numbers).
PNR_VALUE = re.compile(r"^(19|20)\d{6}[-+]?\d{4}$")
PNR_PATTERN = re.compile(r"\{12\}|\{8\}.{0,12}\{4\}")


def _examples(param: dict[str, Any]) -> list[Any]:
    values = [param["example"]] if "example" in param else []
    values += [e.get("value") for e in (param.get("examples") or {}).values() if isinstance(e, dict)]
    return values


@rule("no-personnummer-in-url", "error", "No path or query parameter carries a personnummer.")
def no_personnummer_in_url(ctx: LintContext) -> Iterator[Issue]:
    for param, at in ctx.parameter_objects:
        if param.get("in") not in ("path", "query"):
            continue
        name = str(param.get("name", ""))
        schema = ctx.resolve(param.get("schema", {}))
        pattern = str(schema.get("pattern", "")) if isinstance(schema, dict) else ""
        reasons = []
        if PNR_NAME.search(name):
            reasons.append(f"its name `{name}`")
        if PNR_WORDS.search(str(param.get("description", ""))):
            reasons.append("its description")
        if PNR_PATTERN.search(pattern):
            reasons.append(f"its pattern `{pattern}`")
        if any(PNR_VALUE.match(str(v)) for v in _examples(param)):
            reasons.append("its example")
        if reasons:
            yield (
                pointer.join(at, "name"),
                (
                    f"{param['in']} parameter `{name}` looks like a personnummer ({', '.join(reasons)}): "
                    "URLs end up in "
                    "logs; refer to the person by an opaque id, or send the number in a POST body."
                ),
            )
