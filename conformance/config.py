"""Configuration of a certification run: a file, environment variables, command-line flags.

A supplier's CI should need no flags: it commits a `bokbid.toml` next to its code and sets the
odd secret or URL through the environment. Precedence, lowest first:

1. built-in defaults;
2. the config file: `--config PATH`, else `$BOKBID_CONFIG`, else `./bokbid.toml` if it exists;
3. environment variables (`BOKBID_BASE_URL`, … see `ENVIRONMENT`);
4. command-line flags.

The effective configuration is written into the evidence bundle (`config.json`) with where each
value came from, so a run can be repeated exactly and nobody has to guess which layer won.
"""

from __future__ import annotations

import os
import ssl
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_FILE = Path("bokbid.toml")
DEFAULT_REPORT_DIR = Path("reports/latest")
DEFAULT_TIMEOUT = 10.0
# Small enough for every CI run (BRIEF §4: well under a minute); raise it for a certification run.
DEFAULT_FUZZ_EXAMPLES = 2
DEFAULT_FUZZ_SECONDS = 5.0


class ConfigError(Exception):
    """The configuration cannot be used (a usage error: exit 2)."""


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _origin(text: str) -> str:
    """An origin as a browser sends it (RFC 6454): scheme, host and optional port, nothing more."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or text != f"{parts.scheme}://{parts.netloc}":
        raise ValueError("not an origin; give scheme, host and optional port, e.g. https://bokning.example.se")
    return text


def _callback_url(text: str) -> str:
    """A public https URL (the standard accepts plain http only to a loopback address)."""
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise ValueError("not a public https URL without query or fragment, e.g. https://hooks.example.org/bob")
    return text


def _listen(text: str) -> str:
    """HOST:PORT to listen on, e.g. 127.0.0.1:8765 or 0.0.0.0:8765."""
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("not HOST:PORT, e.g. 127.0.0.1:8765")
    return text


# setting name -> (table.key in the file, environment variable, parser)
SETTINGS: dict[str, tuple[str, str, Callable[[str], Any]]] = {
    "base_url": ("certify.base_url", "BOKBID_BASE_URL", str),
    "profile": ("certify.profile", "BOKBID_PROFILE", str),
    "spec_version": ("certify.spec_version", "BOKBID_SPEC_VERSION", str),
    "report_dir": ("certify.report_dir", "BOKBID_REPORT_DIR", Path),
    "seed": ("certify.seed", "BOKBID_SEED", int),
    "timeout": ("certify.timeout", "BOKBID_TIMEOUT", float),
    "supplier": ("product.supplier", "BOKBID_SUPPLIER", str),
    "product_name": ("product.name", "BOKBID_PRODUCT_NAME", str),
    "product_version": ("product.version", "BOKBID_PRODUCT_VERSION", str),
    "fuzz_examples": ("budget.fuzz_examples", "BOKBID_FUZZ_EXAMPLES", int),
    "fuzz_seconds": ("budget.fuzz_seconds", "BOKBID_FUZZ_SECONDS", float),
    "tls_verify": ("tls.verify", "BOKBID_TLS_VERIFY", _bool),
    "ca_bundle": ("tls.ca_bundle", "BOKBID_CA_BUNDLE", Path),
    "client_cert": ("tls.client_cert", "BOKBID_CLIENT_CERT", Path),
    "client_key": ("tls.client_key", "BOKBID_CLIENT_KEY", Path),
    "cors_origin": ("certify.cors_origin", "BOKBID_CORS_ORIGIN", _origin),
    "callback_url": ("certify.callback_url", "BOKBID_CALLBACK_URL", _callback_url),
    "callback_listen": ("certify.callback_listen", "BOKBID_CALLBACK_LISTEN", _listen),
}
# Flags are typed by the CLI but not parsed; these are checked the way file and environment values are.
_PARSED_FLAGS = ("cors_origin", "callback_url", "callback_listen")
ENVIRONMENT = {name: env for name, (_, env, _) in SETTINGS.items()}
ENV_CONFIG = "BOKBID_CONFIG"


@dataclass(frozen=True)
class Tls:
    """How to reach an https sandbox: server verification and, if the sandbox wants one, a client certificate."""

    verify: bool = True
    ca_bundle: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None

    def httpx_verify(self) -> bool | ssl.SSLContext:
        if not self.verify:
            return False
        context = ssl.create_default_context(cafile=str(self.ca_bundle) if self.ca_bundle else None)
        if self.client_cert is not None:
            context.load_cert_chain(str(self.client_cert), str(self.client_key) if self.client_key else None)
        return context


@dataclass(frozen=True)
class Budget:
    """How much the fuzz phase may spend: it stops at whichever limit comes first (0 examples: off)."""

    fuzz_examples: int = DEFAULT_FUZZ_EXAMPLES
    fuzz_seconds: float = DEFAULT_FUZZ_SECONDS


@dataclass(frozen=True)
class Product:
    """Who is certified for what: the supplier's own statement, checked against /api-info."""

    supplier: str | None = None
    name: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class Callback:
    """How the sandbox's webhook deliveries reach the harness's receiver (class `events`).

    By default the receiver listens on a free port of 127.0.0.1, which a sandbox on the same machine
    reaches. A sandbox that can only call public addresses is given hook URLs under `url`, which a
    tunnel or reverse proxy forwards to `listen`, where the receiver then listens.
    """

    url: str | None = None
    listen: str | None = None  # HOST:PORT

    def address(self) -> tuple[str, int]:
        if self.listen is None:
            return ("127.0.0.1", 0)
        host, _, port = self.listen.rpartition(":")
        return (host.strip("[]"), int(port))


@dataclass(frozen=True)
class CertifyConfig:
    base_url: str | None = None
    profile: str | None = None
    spec_version: str | None = None  # the release to certify against; None: the one the server states
    report_dir: Path = DEFAULT_REPORT_DIR
    seed: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    product: Product = field(default_factory=Product)
    budget: Budget = field(default_factory=Budget)
    tls: Tls = field(default_factory=Tls)
    cors_origin: str | None = None  # an origin the server allows browser apps on, to test CORE-030 with
    callback: Callback = field(default_factory=Callback)
    file: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)  # setting -> "default" | "file" | "env" | "flag"

    def record(self) -> dict[str, Any]:
        """The configuration as written to config.json (paths as text; nothing here is secret)."""
        values = _flat(self)
        return {
            "file": str(self.file) if self.file else None,
            "settings": {
                name: {
                    "value": str(values[name]) if isinstance(values[name], Path) else values[name],
                    "source": self.sources.get(name, "default"),
                }
                for name in SETTINGS
            },
        }


def _flat(config: CertifyConfig) -> dict[str, Any]:
    return {
        "base_url": config.base_url,
        "profile": config.profile,
        "spec_version": config.spec_version,
        "report_dir": config.report_dir,
        "seed": config.seed,
        "timeout": config.timeout,
        "supplier": config.product.supplier,
        "product_name": config.product.name,
        "product_version": config.product.version,
        "fuzz_examples": config.budget.fuzz_examples,
        "fuzz_seconds": config.budget.fuzz_seconds,
        "tls_verify": config.tls.verify,
        "ca_bundle": config.tls.ca_bundle,
        "client_cert": config.tls.client_cert,
        "client_key": config.tls.client_key,
        "cors_origin": config.cors_origin,
        "callback_url": config.callback.url,
        "callback_listen": config.callback.listen,
    }


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """The TOML file `path` (`what` it is, for the message), or ConfigError saying why it cannot be read."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the {what} {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def _from_file(path: Path) -> dict[str, Any]:
    data = read_toml(path, "config file")
    known = {spot: name for name, (spot, _, _) in SETTINGS.items()}
    found: dict[str, Any] = {}
    for table, entries in data.items():
        if not isinstance(entries, dict):
            raise ConfigError(f"{path}: '{table}' must be a table ([{table}])")
        for key, value in entries.items():
            name = known.get(f"{table}.{key}")
            if name is None:
                raise ConfigError(f"{path}: unknown setting {table}.{key}; known: {', '.join(sorted(known))}")
            found[name] = value
    return found


def _typed(name: str, value: Any, where: str) -> Any:
    """A file or environment value as the setting's type; text is parsed, TOML values must fit."""
    spot, _, parser = SETTINGS[name]
    wrong = ConfigError(f"{where}: {spot} has the wrong type ({type(value).__name__})")
    if isinstance(value, dict | list) or (parser is int and isinstance(value, float)):
        raise wrong
    if isinstance(value, bool) or parser is _bool:
        if isinstance(value, str):
            return _parse(parser, value, where, spot)
        if isinstance(value, bool) and parser is _bool:
            return value
        raise wrong
    return _parse(parser, value if parser is float else str(value), where, spot)


def _parse(parser: Callable[[Any], Any], value: Any, where: str, spot: str) -> Any:
    try:
        return parser(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {spot} = {value!r}: {exc}") from exc


def _config_file(explicit: Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit is not None:
        return explicit
    if env.get(ENV_CONFIG):
        return Path(env[ENV_CONFIG])
    return DEFAULT_FILE if DEFAULT_FILE.is_file() else None


def load_config(
    path: Path | None = None, env: Mapping[str, str] | None = None, flags: Mapping[str, Any] | None = None
) -> CertifyConfig:
    """Merge defaults, file, environment and flags (a flag of None means 'not given')."""
    env = os.environ if env is None else env
    file = _config_file(path, env)
    values = _flat(CertifyConfig())
    sources: dict[str, str] = {}
    if file is not None:
        for name, value in _from_file(file).items():
            values[name], sources[name] = _typed(name, value, str(file)), "file"
    for name, variable in ENVIRONMENT.items():
        if env.get(variable):
            values[name], sources[name] = _typed(name, env[variable], f"${variable}"), "env"
    for name, value in (flags or {}).items():
        if value is not None:
            values[name], sources[name] = value, "flag"
    if values["fuzz_examples"] < 0 or values["fuzz_seconds"] < 0 or values["timeout"] <= 0:
        raise ConfigError("fuzz budgets must not be negative and the timeout must be positive")
    for name in _PARSED_FLAGS:
        if sources.get(name) == "flag":  # file and environment values were parsed above
            spot, _, parser = SETTINGS[name]
            values[name] = _parse(parser, values[name], "--" + name.replace("_", "-"), spot)
    if values["callback_url"] is not None and values["callback_listen"] is None:
        raise ConfigError(
            "certify.callback_url needs certify.callback_listen: the HOST:PORT your tunnel forwards the URL to"
        )
    if values["client_key"] is not None and values["client_cert"] is None:
        raise ConfigError("tls.client_key needs tls.client_cert")
    return CertifyConfig(
        base_url=values["base_url"],
        profile=values["profile"],
        spec_version=values["spec_version"],
        report_dir=values["report_dir"],
        seed=values["seed"],
        timeout=values["timeout"],
        product=Product(values["supplier"], values["product_name"], values["product_version"]),
        budget=Budget(values["fuzz_examples"], values["fuzz_seconds"]),
        tls=Tls(values["tls_verify"], values["ca_bundle"], values["client_cert"], values["client_key"]),
        cors_origin=values["cors_origin"],
        callback=Callback(values["callback_url"], values["callback_listen"]),
        file=file,
        sources=sources,
    )
