"""Settings from the environment: defaults, the anonymity threshold range, roles."""

from __future__ import annotations

import pytest

from leverage.core.settings import (
    DEFAULT_DATABASE_URL,
    DEFAULT_MIN_N,
    DEFAULT_ROLES,
    ConfigError,
    Settings,
    load_settings,
    parse_roles,
)


def test_defaults_from_an_empty_environment():
    settings = load_settings({})
    assert settings == Settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.database_url.startswith("sqlite:///") and settings.database_url.endswith("data/leverage.db")
    assert settings.is_embedded
    assert settings.min_n == DEFAULT_MIN_N == 5
    assert settings.load_demo == "auto"
    assert [key for key, _ in settings.roles] == ["board", "executive", "physician", "nursing", "manager", "other"]
    assert settings.roles == DEFAULT_ROLES
    assert settings.role_labels["physician"] == "Physician leader"


def test_defaults_from_os_environ(monkeypatch):
    for name in ("LEVERAGE_DATABASE_URL", "LEVERAGE_MIN_N", "LEVERAGE_ROLES", "LEVERAGE_LOAD_DEMO"):
        monkeypatch.delenv(name, raising=False)
    assert load_settings() == Settings()


def test_settings_read_from_os_environ(monkeypatch):
    monkeypatch.setenv("LEVERAGE_DATABASE_URL", "postgresql+psycopg://u@db:5432/leverage")
    monkeypatch.setenv("LEVERAGE_MIN_N", "7")
    monkeypatch.setenv("LEVERAGE_LOAD_DEMO", "Never")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://u@db:5432/leverage"
    assert not settings.is_embedded
    assert settings.min_n == 7
    assert settings.load_demo == "never"


def test_blank_values_fall_back_to_defaults():
    settings = load_settings({"LEVERAGE_DATABASE_URL": "  ", "LEVERAGE_MIN_N": "", "LEVERAGE_ROLES": ""})
    assert settings == Settings()


@pytest.mark.parametrize("text, expected", [("3", 3), ("10", 10), (" 6 ", 6)])
def test_min_n_inside_the_range(text, expected):
    assert load_settings({"LEVERAGE_MIN_N": text}).min_n == expected


@pytest.mark.parametrize("text, problem", [
    ("2", "outside the allowed range 3–10"),
    ("11", "outside the allowed range 3–10"),
    ("0", "outside the allowed range 3–10"),
    ("-5", "outside the allowed range 3–10"),
    ("five", "is not a whole number"),
    ("5.5", "is not a whole number"),
])
def test_min_n_outside_the_range_or_not_a_number(text, problem):
    with pytest.raises(ConfigError) as info:
        load_settings({"LEVERAGE_MIN_N": text})
    assert str(info.value).startswith("LEVERAGE_MIN_N:")
    assert problem in str(info.value)


def test_load_demo_must_be_known():
    with pytest.raises(ConfigError, match=r"^LEVERAGE_LOAD_DEMO: 'sometimes' must be auto, always or never"):
        load_settings({"LEVERAGE_LOAD_DEMO": "sometimes"})


def test_roles_parsed_with_labels_and_bare_keys():
    settings = load_settings({"LEVERAGE_ROLES": " Board = Trustee , chief_exec=Chief executive,,clinician "})
    # Keys are lower-cased and trimmed; a bare key becomes its own label, title-cased.
    assert settings.roles == (("board", "Trustee"), ("chief_exec", "Chief executive"), ("clinician", "Clinician"))
    assert settings.role_labels == {"board": "Trustee", "chief_exec": "Chief executive", "clinician": "Clinician"}


@pytest.mark.parametrize("text, problem", [
    ("board=A,board=B", "role keys must be unique"),
    (" , ,", "at least one role is needed"),
    ("chief exec=Chief", "role key 'chief exec' must be letters, digits or '_'"),
    ("a-b", "role key 'a-b' must be letters, digits or '_'"),
])
def test_bad_roles(text, problem):
    with pytest.raises(ConfigError) as info:
        parse_roles(text)
    assert str(info.value) == f"LEVERAGE_ROLES: {problem}"
    with pytest.raises(ConfigError, match="^LEVERAGE_ROLES: "):
        load_settings({"LEVERAGE_ROLES": text})


def test_the_command_line_reads_secrets_toml_and_the_environment_wins(tmp_path, monkeypatch):
    from leverage.core import settings as settings_module

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('LEVERAGE_DATABASE_URL = "sqlite:////srv/leverage.db"\nLEVERAGE_MIN_N = 7\n'
                       'OTHER = "ignored"\n[auth]\nredirect_uri = "x"\n')
    monkeypatch.setattr(settings_module, "SECRETS_FILE", secrets)
    monkeypatch.setattr(settings_module.secrets_file_settings, "__defaults__", (secrets,))
    monkeypatch.delenv("LEVERAGE_DATABASE_URL", raising=False)
    monkeypatch.setenv("LEVERAGE_MIN_N", "4")
    loaded = settings_module.load_settings()
    assert loaded.database_url == "sqlite:////srv/leverage.db"
    assert loaded.min_n == 4
    assert settings_module.secrets_file_settings(secrets) == {"LEVERAGE_DATABASE_URL": "sqlite:////srv/leverage.db",
                                                              "LEVERAGE_MIN_N": "7"}


def test_a_broken_secrets_toml_is_named(tmp_path):
    from leverage.core.settings import ConfigError, secrets_file_settings

    broken = tmp_path / "secrets.toml"
    broken.write_text("LEVERAGE_MIN_N = = 5\n")
    with pytest.raises(ConfigError, match="secrets.toml: not valid TOML"):
        secrets_file_settings(broken)
