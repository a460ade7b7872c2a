"""A plain Schemathesis run against one server, printed as the set of failures it found (JSON).

Run as a process of its own (`python -m benchmarks.plain_schemathesis URL`) so that the mutation
analysis can stop it when a mutant hangs the server. It sends what the harness's fuzz phase sends
for the classes the server declares, and judges with schemathesis's own default checks only.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import httpx
from schemathesis.core.failures import Failure, FailureGroup

from benchmarks.harness_throughput import workload


def failures(url: str) -> set[str]:
    declared = httpx.get(f"{url}/conformance", timeout=10).json().get("conformsTo", [])
    found: set[str] = set()

    def send(_operation: Any, case: Any) -> None:
        try:
            case.call_and_validate(base_url=url, timeout=10)
        except FailureGroup as group:
            found.update(f"{case.operation.label}: {f.title}" for f in group.exceptions)
        except Failure as failure:
            found.add(f"{case.operation.label}: {failure.title}")
        except Exception as exc:  # a transport error is a finding too: the server broke the connection
            found.add(f"{case.operation.label}: {type(exc).__name__}")

    workload(send, [c for c in declared if c != "test-interface"])
    return found


if __name__ == "__main__":
    print(json.dumps(sorted(failures(sys.argv[1]))))
