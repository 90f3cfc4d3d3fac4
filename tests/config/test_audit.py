"""The audit's ignore file: every accepted vulnerability has a reason and an end date."""

import datetime
import subprocess
import sys

import pytest

from config.audit import IGNORE_FILE, IgnoreFileError, ignored_ids, pip_audit_command

TODAY = datetime.date(2026, 11, 23)


def entry(**fields) -> str:
    values = {
        "id": '"GHSA-aaaa-bbbb-cccc"',
        "package": '"example"',
        "reason": '"Only reached from the admin, behind staff sign-in."',
        "expires": "2026-12-31",
        **fields,
    }
    body = "\n".join(f"{name} = {value}" for name, value in values.items() if value is not None)
    return f"[[ignore]]\n{body}\n"


def test_a_complete_entry_before_its_date_is_accepted():
    assert ignored_ids(entry(), today=TODAY) == ["GHSA-aaaa-bbbb-cccc"]
    assert ignored_ids(entry(expires='"2026-11-23"'), today=TODAY) == ["GHSA-aaaa-bbbb-cccc"]


def test_an_empty_file_accepts_nothing():
    assert ignored_ids("# nothing accepted\n", today=TODAY) == []


def test_an_expired_entry_is_refused_with_what_to_do():
    with pytest.raises(IgnoreFileError) as refused:
        ignored_ids(entry(expires="2026-11-22"), today=TODAY)
    assert "GHSA-aaaa-bbbb-cccc" in str(refused.value)
    assert "expired on 2026-11-22" in str(refused.value)
    assert "upgrade example" in str(refused.value)


@pytest.mark.parametrize("blank", ['""', '"   "', None])
def test_an_entry_without_a_reason_is_refused(blank):
    with pytest.raises(IgnoreFileError, match="missing reason"):
        ignored_ids(entry(reason=blank), today=TODAY)


@pytest.mark.parametrize("field", ["id", "package", "expires"])
def test_an_entry_missing_another_field_is_refused(field):
    with pytest.raises(IgnoreFileError, match=f"missing {field}"):
        ignored_ids(entry(**{field: None}), today=TODAY)


def test_a_date_that_is_not_iso_is_refused():
    with pytest.raises(IgnoreFileError, match="ISO date"):
        ignored_ids(entry(expires='"31/12/2026"'), today=TODAY)


def test_misspelt_fields_and_tables_are_refused():
    with pytest.raises(IgnoreFileError, match="unknown fields expiry"):
        ignored_ids(entry(expiry="2027-01-01"), today=TODAY)
    with pytest.raises(IgnoreFileError, match="unknown keys"):
        ignored_ids('[[ignores]]\nid = "X"\n', today=TODAY)
    with pytest.raises(IgnoreFileError, match="not valid TOML"):
        ignored_ids("[[ignore]\n", today=TODAY)


def test_accepted_ids_become_flags_and_the_audit_is_strict():
    command = pip_audit_command(["GHSA-1", "PYSEC-2"])
    assert command[1:3] == ["-m", "pip_audit"]
    # --strict: a dependency the service could not answer for fails instead of passing.
    assert "--strict" in command
    assert command[-4:] == ["--ignore-vuln", "GHSA-1", "--ignore-vuln", "PYSEC-2"]


def test_the_projects_ignore_file_is_valid_today():
    ignored_ids(IGNORE_FILE.read_text(encoding="utf-8"), today=datetime.date.today())


def test_the_audit_stops_before_pip_audit_on_an_expired_entry(tmp_path):
    path = tmp_path / "audit-ignore.toml"
    path.write_text(entry(expires="2020-01-01"))
    result = subprocess.run(
        [sys.executable, "-m", "config.audit", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "expired on 2020-01-01" in result.stderr
    assert "pip_audit" not in result.stderr + result.stdout
