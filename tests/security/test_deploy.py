"""The production settings pass Django's deployment checks and run nothing as root."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import database_url_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides) -> dict:
    """What an operator sets (docker/.env, README "Configuration"), and nothing else."""
    from django.db import connection

    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "lorry.example,www.lorry.example",
        "DATABASE_URL": database_url_of(connection.settings_dict),
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example:587",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def manage(*args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_deployment_check_passes_with_the_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deployment_check_catches_a_weak_secret_key():
    # The check above would mean little if it could not fail.
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(SECRET_KEY="short")
    )

    assert result.returncode != 0
    assert "security.W009" in result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL"])
def test_production_refuses_to_start_without_a_secret_from_the_environment(missing):
    result = manage("check", env=production_env(**{missing: None}))

    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_the_image_runs_as_an_unprivileged_user():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()

    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users, "the Dockerfile sets no USER"
    assert users[-1] not in {"root", "0", "0:0"}
    # The last USER applies to the running container: nothing after it switches back.
    assert dockerfile.rstrip().splitlines()[-1].startswith(("CMD", "ENTRYPOINT", "EXPOSE"))
    assert re.search(rf"useradd .*\b{users[-1]}\b", dockerfile)


def test_compose_does_not_run_any_service_as_root():
    compose = (ROOT / "docker" / "compose.yml").read_text()

    users = re.findall(r"^\s*user:\s*[\"']?([^\"'\s]+)", compose, re.MULTILINE)
    assert all(user.split(":")[0] not in {"root", "0"} for user in users)
    assert "privileged: true" not in compose
