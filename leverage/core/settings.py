"""Settings read from the environment, so one code base serves SQLite on a laptop and PostgreSQL at scale."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = PROJECT_ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"
SOURCES_DIR = DATA_DIR / "sources"  # parquet sources for Compare (placed there or uploaded)
DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'leverage.db'}"

#: Smallest and largest anonymity threshold an administrator may configure.
MIN_N_RANGE = (3, 10)
DEFAULT_MIN_N = 5
#: Largest file an upload or `python -m leverage import` accepts, in MB (LEVERAGE_MAX_UPLOAD_MB).
DEFAULT_MAX_UPLOAD_MB = 50
MAX_UPLOAD_MB_RANGE = (1, 2000)
#: Most rows an upload or `python -m leverage import` accepts (LEVERAGE_MAX_UPLOAD_ROWS), counted before or
#: while the file is parsed, so a small file of many short rows cannot exhaust memory either.
DEFAULT_MAX_UPLOAD_ROWS = 2_000_000
MAX_UPLOAD_ROWS_RANGE = (1_000, 50_000_000)

DEFAULT_ROLES: tuple[tuple[str, str], ...] = (
    ("board", "Board member"),
    ("executive", "Executive"),
    ("physician", "Physician leader"),
    ("nursing", "Nursing leader"),
    ("manager", "Manager"),
    ("other", "Other"),
)


class ConfigError(ValueError):
    """A setting has a value the app cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    min_n: int = DEFAULT_MIN_N
    roles: tuple[tuple[str, str], ...] = DEFAULT_ROLES
    load_demo: str = "auto"  # auto: only into an empty embedded (SQLite) store; always; never
    sources_dir: str = str(SOURCES_DIR)  # LEVERAGE_SOURCES_DIR: parquet sources shown on Compare
    # Live workshops: the facilitator console's passphrase (never in the repo) and the address phones use.
    facilitator_passphrase: str | None = field(default=None, repr=False)
    public_url: str | None = None
    max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB
    max_upload_rows: int = DEFAULT_MAX_UPLOAD_ROWS
    # Sign-in: the key that signs cookies and invitation links (else one generated and kept in the database),
    # and the proxies whose X-Forwarded-For header names the client (else the socket's peer is the client).
    secret_key: str | None = field(default=None, repr=False)
    trusted_proxies: tuple[str, ...] = ()

    @property
    def role_labels(self) -> dict[str, str]:
        return dict(self.roles)

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")


def parse_roles(text: str) -> tuple[tuple[str, str], ...]:
    """Parse `key=Label,key=Label` (a bare key becomes its own label)."""
    roles: list[tuple[str, str]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        key, _, label = part.partition("=")
        key = key.strip().lower()
        if not key.replace("_", "").isalnum():
            raise ConfigError(f"LEVERAGE_ROLES: role key {key!r} must be letters, digits or '_'")
        roles.append((key, label.strip() or key.title()))
    if not roles:
        raise ConfigError("LEVERAGE_ROLES: at least one role is needed")
    if len({k for k, _ in roles}) != len(roles):
        raise ConfigError("LEVERAGE_ROLES: role keys must be unique")
    return tuple(roles)


def parse_min_n(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"LEVERAGE_MIN_N: {text!r} is not a whole number") from None
    low, high = MIN_N_RANGE
    if not low <= value <= high:
        raise ConfigError(f"LEVERAGE_MIN_N: {value} is outside the allowed range {low}–{high}")
    return value


def parse_public_url(text: str) -> str | None:
    """The app's address as phones reach it (for join links and QR codes), without a trailing slash."""
    text = text.strip().rstrip("/")
    if not text:
        return None
    if not text.startswith(("http://", "https://")) or " " in text:
        raise ConfigError(f"LEVERAGE_PUBLIC_URL: {text!r} must be an http:// or https:// address")
    return text


def parse_max_upload_mb(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise ConfigError(f"LEVERAGE_MAX_UPLOAD_MB: {text!r} is not a whole number of megabytes") from None
    low, high = MAX_UPLOAD_MB_RANGE
    if not low <= value <= high:
        raise ConfigError(f"LEVERAGE_MAX_UPLOAD_MB: {value} is outside the allowed range {low}–{high}")
    return value


def parse_max_upload_rows(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise ConfigError(f"LEVERAGE_MAX_UPLOAD_ROWS: {text!r} is not a whole number of rows") from None
    low, high = MAX_UPLOAD_ROWS_RANGE
    if not low <= value <= high:
        raise ConfigError(f"LEVERAGE_MAX_UPLOAD_ROWS: {value} is outside the allowed range {low}–{high}")
    return value


SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"


def secrets_file_settings(path: Path = SECRETS_FILE) -> dict[str, str]:
    """The LEVERAGE_* root keys of `.streamlit/secrets.toml`, as text.

    Streamlit copies them into the environment of the app; the command line reads them here, so
    `python -m leverage export` reaches the same database as the app does.
    """
    if not path.is_file():
        return {}
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: not valid TOML ({exc})") from None
    return {k: str(v) for k, v in data.items() if k.startswith("LEVERAGE_") and not isinstance(v, dict | list)}


MIN_SECRET_KEY_LENGTH = 32


def parse_secret_key(text: str) -> str | None:
    """LEVERAGE_SECRET_KEY: at least 32 characters (e.g. `python -c "import secrets; print(secrets.token_hex(32))"`)."""
    text = text.strip()
    if not text:
        return None
    if len(text) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(f"LEVERAGE_SECRET_KEY: {len(text)} characters is too short; use at least "
                          f"{MIN_SECRET_KEY_LENGTH} random characters")
    return text


def parse_trusted_proxies(text: str) -> tuple[str, ...]:
    """LEVERAGE_TRUSTED_PROXIES: comma-separated addresses or networks (CIDR), e.g. `127.0.0.1/32,10.0.0.0/8`."""
    import ipaddress

    found: list[str] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            found.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise ConfigError(f"LEVERAGE_TRUSTED_PROXIES: {part!r} is not an address or network such as "
                              "10.0.0.0/8") from None
    return tuple(found)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read settings from the environment, then `.streamlit/secrets.toml` (the environment wins)."""
    env = {**secrets_file_settings(), **os.environ} if environ is None else environ
    if env.get("LEVERAGE_FACILITATOR_EMAILS", "").strip():
        raise ConfigError("LEVERAGE_FACILITATOR_EMAILS is replaced by single sign-on mappings: map those addresses to "
                          "the facilitator role (Users and access → Single sign-on), then remove the setting")
    load_demo = env.get("LEVERAGE_LOAD_DEMO", "auto").strip().lower()
    if load_demo not in {"auto", "always", "never"}:
        raise ConfigError(f"LEVERAGE_LOAD_DEMO: {load_demo!r} must be auto, always or never")
    return Settings(
        database_url=env.get("LEVERAGE_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
        min_n=parse_min_n(env["LEVERAGE_MIN_N"]) if env.get("LEVERAGE_MIN_N") else DEFAULT_MIN_N,
        roles=parse_roles(env["LEVERAGE_ROLES"]) if env.get("LEVERAGE_ROLES") else DEFAULT_ROLES,
        load_demo=load_demo,
        sources_dir=env.get("LEVERAGE_SOURCES_DIR", "").strip() or str(SOURCES_DIR),
        facilitator_passphrase=env.get("LEVERAGE_FACILITATOR_PASSPHRASE") or None,
        public_url=parse_public_url(env.get("LEVERAGE_PUBLIC_URL", "")),
        max_upload_mb=(parse_max_upload_mb(env["LEVERAGE_MAX_UPLOAD_MB"]) if env.get("LEVERAGE_MAX_UPLOAD_MB")
                       else DEFAULT_MAX_UPLOAD_MB),
        max_upload_rows=(parse_max_upload_rows(env["LEVERAGE_MAX_UPLOAD_ROWS"]) if env.get("LEVERAGE_MAX_UPLOAD_ROWS")
                         else DEFAULT_MAX_UPLOAD_ROWS),
        secret_key=parse_secret_key(env.get("LEVERAGE_SECRET_KEY", "")),
        trusted_proxies=parse_trusted_proxies(env.get("LEVERAGE_TRUSTED_PROXIES", "")),
    )
