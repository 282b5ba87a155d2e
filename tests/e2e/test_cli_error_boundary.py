"""The error boundary (issue 12): everyday operational mistakes are one `rex: error:` line with
their documented exit code (2 bad input, 4 unreachable), never a traceback; with --json the
error is JSON; inputs are checked before anything is done (../shared/cases/ops/tracebacks/,
../shared/cases/ops/signing-key-checked-after-deletes/)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from retention.sample import write_layout
from retention.storage.local import LocalStore
from tests.support.bucket import protect

END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]
CLOSED = "http://127.0.0.1:9"  # discard port: nothing listens (no network needed)


def rex(env: dict[str, str | None], *args: str) -> tuple[int, str, str]:
    """rex as ops run it: a new process, the environment given (None removes a variable)."""
    full = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    done = subprocess.run([sys.executable, "-c", "import cli; cli.main()", *args], cwd=ROOT,
                          env=full, text=True, capture_output=True, timeout=120, check=False)
    return done.returncode, done.stdout, done.stderr


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("rex: error: "), err
    return lines[0]


def listing(store_dir: Path) -> set[tuple[str, str | None]]:
    return {(v.key, v.version_id) for v in LocalStore(store_dir, lambda: END).list_versions("")}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str | None]:
    (tmp_path / "store").mkdir()
    store = LocalStore(tmp_path / "store", lambda: END)
    write_layout(store, "suite", END, 200)  # some expired
    protect(store)
    return {"REX_STORAGE": (tmp_path / "store").as_uri(),
            "REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_NOW": "2026-11-29T06:00:00Z",
            "REX_ACTOR": "ops", "REX_SIGNING_KEY": None, "REX_DEBUG": None}


def test_metrics_into_a_missing_folder_is_refused_before_verify(
        env: dict[str, str | None], tmp_path: Path) -> None:
    assert rex(env, "sync", "--server", "suite")[0] == 0
    code, out, err = rex(env, "verify", "--server", "suite", "--metrics",
                         str(tmp_path / "no-such-dir" / "rex.prom"))
    assert code == 2 and out == ""
    assert "no-such-dir does not exist" in one_error_line(err)
    code, _, err = rex(env, "verify", "--server", "suite", "--json", "--metrics",
                       str(tmp_path / "no-such-dir" / "rex.prom"))
    error = json.loads(err)["error"]
    assert code == 2 and error["code"] == 2 and error["kind"] == "bad-input"
    assert error["message"].startswith("--metrics ")


S3_ENV: dict[str, str | None] = {
    "AWS_ENDPOINT_URL": CLOSED, "AWS_DEFAULT_REGION": "eu-west-1", "AWS_MAX_ATTEMPTS": "1",
    "AWS_EC2_METADATA_DISABLED": "true", "REX_STORAGE": "s3://bucket/prefix"}


def test_an_unreachable_s3_endpoint_is_exit_4(env: dict[str, str | None]) -> None:
    s3 = {**env, **S3_ENV, "AWS_ACCESS_KEY_ID": "dummy", "AWS_SECRET_ACCESS_KEY": "dummy",
          "AWS_MAX_ATTEMPTS": "2"}  # boto's own setting: the same error, without ten retries
    code, _, err = rex(s3, "sync", "--server", "suite")
    line = one_error_line(err)
    assert code == 4 and "s3://bucket/prefix" in line and "AWS_ENDPOINT_URL" in line
    code, _, err = rex(s3, "sync", "--server", "suite", "--json")
    assert code == 4 and json.loads(err)["error"]["kind"] == "unreachable"


def test_missing_s3_credentials_are_exit_2(env: dict[str, str | None]) -> None:
    none = {**env, **S3_ENV, "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
            "AWS_SESSION_TOKEN": None, "AWS_PROFILE": None, "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null"}
    code, _, err = rex(none, "sync", "--server", "suite")
    line = one_error_line(err)
    assert code == 2 and "credentials" in line and "AWS_PROFILE" in line


@pytest.mark.parametrize("key", ["missing", "garbage"])
@pytest.mark.parametrize("command", [["run", "--server", "suite"], ["sync", "--server", "suite"]])
def test_a_bad_signing_key_is_refused_before_anything_is_done(
        env: dict[str, str | None], tmp_path: Path, key: str, command: list[str]) -> None:
    path = tmp_path / "no-such-key.pem"
    if key == "garbage":
        path.write_text("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n")
    before = listing(tmp_path / "store")
    code, out, err = rex(env, "--signing-key", str(path), *command)
    assert code == 2 and out == ""
    assert "--signing-key" in one_error_line(err)
    assert listing(tmp_path / "store") == before  # nothing deleted, nothing written
    assert not (tmp_path / "rex.db").exists()  # not even synced into the catalog


def test_a_bad_signing_key_is_refused_before_a_plan_is_stored(
        env: dict[str, str | None], tmp_path: Path) -> None:
    assert rex(env, "sync", "--server", "suite")[0] == 0
    code, _, err = rex(env, "--signing-key", str(tmp_path / "nope.pem"), "plan", "--server",
                       "suite")
    assert code == 2 and "--signing-key" in one_error_line(err)
    code, _, err = rex(env, "apply", "1")
    assert code == 2 and "plan 1" in one_error_line(err)  # no plan was stored


def test_the_daily_job_still_signs_with_a_good_key(env: dict[str, str | None],
                                                   tmp_path: Path) -> None:
    assert rex(env, "evidence", "keygen", "--out", str(tmp_path / "keys"))[0] == 0
    code, _, err = rex(env, "--signing-key", str(tmp_path / "keys" / "private.pem"), "run",
                       "--server", "suite", "--allow-mass-delete")
    assert code == 0, err
    assert "signed checkpoint" in err


def test_a_missing_storage_folder_is_exit_2(env: dict[str, str | None], tmp_path: Path) -> None:
    gone = {**env, "REX_STORAGE": (tmp_path / "typo").as_uri()}
    for command in (["sync", "--server", "suite"], ["run", "--server", "suite"]):
        code, _, err = rex(gone, *command)
        assert code == 2 and "typo does not exist" in one_error_line(err)


def test_a_bad_storage_url_is_exit_2_before_acting(env: dict[str, str | None],
                                                   tmp_path: Path) -> None:
    code, _, err = rex({**env, "REX_STORAGE": "ftp://host/dir"}, "run", "--server", "suite")
    assert code == 2 and "storage URL" in one_error_line(err)
    assert not (tmp_path / "rex.db").exists()


def test_an_unreachable_catalog_is_exit_4_without_its_password(
        env: dict[str, str | None]) -> None:
    url = "postgresql+psycopg://rex:s3cret@127.0.0.1:9/rex?connect_timeout=5"
    code, _, err = rex({**env, "REX_CATALOG": url}, "tenant", "list", "--json")
    error = json.loads(err)["error"]
    assert code == 4 and error["kind"] == "unreachable", err
    assert "127.0.0.1:9" in error["message"] and "s3cret" not in err


def test_a_bad_catalog_url_is_exit_2(env: dict[str, str | None]) -> None:
    code, _, err = rex({**env, "REX_CATALOG": "nosuchdb://x"}, "tenant", "list")
    assert code == 2 and "--catalog" in one_error_line(err)


def test_an_unknown_tenant_is_exit_2_everywhere(env: dict[str, str | None],
                                                tmp_path: Path) -> None:
    for command in (["export", "--tenant", "nope", "--format", "bpmn", "--out",
                     str(tmp_path / "out")], ["tenant", "status", "nope"]):
        code, _, err = rex(env, *command)
        assert code == 2 and "nope" in one_error_line(err)


def test_a_bug_is_one_line_exit_70_and_rex_debug_shows_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from retention import clients

    def broken(*_: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(clients, "tenant_list", broken)
    env = {"REX_CATALOG": f"sqlite:///{tmp_path / 'rex.db'}", "REX_DEBUG": None}
    result = CliRunner().invoke(main, ["tenant", "list"], env=env)
    assert result.exit_code == 70
    assert result.stderr == ("rex: error: internal error (KeyError: 'boom'); this is a bug in "
                             "rex: rerun with REX_DEBUG=1 to see the traceback and report it\n")
    result = CliRunner().invoke(main, ["tenant", "list", "--json"], env=env)
    error = json.loads(result.stderr)["error"]
    assert (error["code"], error["kind"]) == (70, "internal") and "KeyError" in error["message"]
    debug = CliRunner().invoke(main, ["tenant", "list"], env={**env, "REX_DEBUG": "1"})
    assert isinstance(debug.exception, KeyError)


def test_a_group_option_error_is_json_when_the_command_asked_for_json() -> None:
    """--now is parsed before the command runs; its error still follows the command's --json,
    and without --json a policy's problems are one line (only `policy check` lists them)."""
    from click.testing import CliRunner

    from cli import main

    bad_now = CliRunner().invoke(main, ["--now", "garbage", "tenant", "list", "--json"])
    assert bad_now.exit_code == 2
    assert json.loads(bad_now.stderr)["error"]["kind"] == "bad-input"
    bad_policy = CliRunner().invoke(main, ["--policy", "nosuch", "policy", "show"])
    assert bad_policy.exit_code == 2 and len(bad_policy.stderr.splitlines()) == 1
