"""``make audit``: pip-audit over the installed environment, with reviewed exceptions.

Each exception lives in ``audit-ignore.toml`` as an ``[[ignore]]`` entry with ``id``,
``package``, ``reason`` and ``expires`` (an ISO date). An entry without a reason, or past its
date, fails the audit: an accepted vulnerability is looked at again, never forgotten.

pip-audit runs with ``--strict``: a dependency the vulnerability service cannot answer for
(the service unreachable, or the package unknown to it) fails the audit instead of passing it
unchecked.
"""

import datetime
import subprocess
import sys
import tomllib
from pathlib import Path

IGNORE_FILE = Path(__file__).resolve().parent.parent / "audit-ignore.toml"
FIELDS = {"id", "package", "reason", "expires"}


class IgnoreFileError(ValueError):
    """The ignore file breaks a rule; the message says which entry and why."""


def _as_date(value, where: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise IgnoreFileError(f"{where}: expires must be an ISO date (2026-12-31)") from None


def ignored_ids(text: str, *, today: datetime.date) -> list[str]:
    """The vulnerability ids the file accepts today; raises IgnoreFileError on a broken rule."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise IgnoreFileError(f"not valid TOML: {error}") from None
    unknown = set(data) - {"ignore"}
    if unknown:
        raise IgnoreFileError(f"unknown keys {sorted(unknown)}; entries go in [[ignore]] tables")
    ids = []
    for number, entry in enumerate(data.get("ignore", []), start=1):
        where = f"entry {number} ({entry.get('id') or 'no id'})"
        missing = sorted(name for name in FIELDS if not str(entry.get(name, "")).strip())
        if missing:
            raise IgnoreFileError(f"{where}: missing {', '.join(missing)}")
        extra = sorted(set(entry) - FIELDS)
        if extra:
            raise IgnoreFileError(f"{where}: unknown fields {', '.join(extra)}")
        expires = _as_date(entry["expires"], where)
        if expires < today:
            raise IgnoreFileError(
                f"{where}: expired on {expires.isoformat()}; upgrade {entry['package']} "
                "or review the reason and set a new date"
            )
        ids.append(str(entry["id"]).strip())
    return ids


def pip_audit_command(ids: list[str]) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--strict",
        "--skip-editable",
        "--progress-spinner",
        "off",
        "--desc",
        "on",
    ]
    for vulnerability in ids:
        command += ["--ignore-vuln", vulnerability]
    return command


def main(argv: list[str] | None = None) -> int:
    path = Path(argv[0]) if argv else IGNORE_FILE
    try:
        ids = ignored_ids(path.read_text(encoding="utf-8"), today=datetime.date.today())
    except (OSError, IgnoreFileError) as error:
        print(f"audit: {path.name}: {error}", file=sys.stderr)
        return 2
    if ids:
        print(f"audit: accepting for now {', '.join(ids)} ({path.name})")
    result = subprocess.run(pip_audit_command(ids), check=False)  # noqa: S603 — fixed command
    if result.returncode != 0:
        print(
            "audit: FAILED — a known vulnerability, or a dependency the vulnerability service "
            "could not answer for (see above)",
            file=sys.stderr,
        )
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
