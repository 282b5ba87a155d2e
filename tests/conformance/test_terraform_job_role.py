"""The daily job's role, enforced: the ``retention_job`` statements of terraform/modules/roles,
rendered with the ARNs the root module wires into them, are the only policy of an IAM user on a
moto S3 server that checks every request against IAM (moto's ``reset-auth``). With that user's
keys, ``rex run`` signs a ledger checkpoint into the evidence bucket (COMPLIANCE Object Lock),
twice (the second run reads the first checkpoint back by version id); without any one of the
evidence grants the job exits 1 with AccessDenied on the evidence bucket (the statements before
issue 13 lacked two of them); and the role cannot delete a checkpoint, not even asking to bypass
governance retention.

moto maps a few requests to IAM actions differently from S3 (HEAD with a version id is checked
as ``s3:GetObject`` only), so every S3 call rex makes on the evidence bucket is also recorded (a
botocore ``before-parameter-build`` hook) and checked against the statements with the actions
S3's documentation names for it.
"""

from __future__ import annotations

import fnmatch
import json
import re
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner, Result

from cli import main
from retention.evidence import keys
from retention.sample import write_layout
from retention.storage.s3 import S3Store
from tests.support.s3server import make_bucket
from tests.support.terraform import (
    TERRAFORM,
    interpolate,
    load_module,
    module_locals,
    named,
    policy_document,
)

SERVER = "suite"
END = datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
# 32 nightly backups cover the 30-day PITR window (no error finding: a run exits 0) and leave
# nothing to delete on either run: moto checks DeleteObjects against the bucket's ARN, not each
# key's, so it would refuse the role's (granted) deletes of backup versions.
DAYS = 32
ACCOUNT = "123456789012"  # moto's default account
EVIDENCE_GRANTS = ("s3:ListBucketVersions", "s3:GetObjectVersion", "s3:GetObject",
                   "s3:PutObject")
ROLE = "the role"
RUNS = (5, 6)  # hours after END: the second run reads the first run's checkpoint back
Call = tuple[str, str, str, bool]  # operation, bucket, key, with a version id


def arn(bucket: str) -> str:
    return f"arn:aws:s3:::{bucket}"


def kms(name: str) -> str:
    return f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{name}"


def wiring(backups: str, evidence: str) -> dict[str, Any]:
    """The root module's references to buckets and keys, as this server's ARNs."""
    return {**module_locals(load_module(TERRAFORM)),
            "local.buckets.evidence": evidence,
            "module.backups_bucket.arn": arn(backups),
            "module.exports_bucket.arn": arn("rex-exports-unused"),
            "module.evidence_bucket.arn": arn(evidence),
            **{f"module.{k}_key.arn": kms(k) for k in ("backups", "exports", "evidence")}}


def job_policy(backups: str, evidence: str) -> dict[str, Any]:
    """The retention job's policy document with the arguments roles.tf passes the module."""
    refs = wiring(backups, evidence)
    call = named(load_module(TERRAFORM), "module")["roles"]
    wired = {name: interpolate(call[name], refs) for name in (
        "backups_bucket_arn", "exports_bucket_arn", "evidence_bucket_arn", "evidence_prefix",
        "backups_key_arn", "exports_key_arn", "evidence_key_arn")}
    return policy_document(load_module(TERRAFORM / "modules" / "roles"), "retention_job", wired)


def as_moto_checks(policy: dict[str, Any]) -> dict[str, Any]:
    """The policy as moto's IAM enforcement reads it: moto authorises PutObjectRetention and
    PutObjectLegalHold as s3:PutObject (its ACTION_MAP knows no ?retention or ?legal-hold), so
    a statement granting those also grants s3:PutObject here, on the same objects only."""
    moto_names = {"s3:PutObjectRetention", "s3:PutObjectLegalHold"}
    return {**policy, "Statement": [
        {**s, "Action": [*s["Action"], "s3:PutObject"]}
        if s["Effect"] == "Allow" and moto_names & set(s["Action"])
        and "s3:PutObject" not in s["Action"] else s for s in policy["Statement"]]}


def evidence_url(backups: str, evidence: str) -> str:
    """REX_EVIDENCE as job.tf sets it."""
    env = named(load_module(TERRAFORM), "module")["daily_job"]["environment"]
    return str(interpolate(env["REX_EVIDENCE"], wiring(backups, evidence)))


def without(policy: dict[str, Any], action: str, bucket: str) -> dict[str, Any]:
    """The policy with ``action`` no longer allowed on ``bucket`` (other buckets keep it)."""
    kept = []
    for s in policy["Statement"]:
        on_bucket = any(r == arn(bucket) or r.startswith(arn(bucket) + "/") for r in s["Resource"])
        if s["Effect"] == "Allow" and on_bucket:
            s = {**s, "Action": [a for a in s["Action"] if a != action]}
        if s["Action"]:
            kept.append(s)
    return {**policy, "Statement": kept}


# --- what S3 checks for each call (https://docs.aws.amazon.com/AmazonS3/latest/API/) ---------

def required(call: Call) -> list[tuple[str, str]]:
    """(IAM action, resource ARN) pairs S3 checks for one recorded call."""
    operation, bucket, key, versioned = call
    obj = f"{arn(bucket)}/{key}"
    if operation == "ListObjectVersions":
        return [("s3:ListBucketVersions", arn(bucket))]
    if operation == "PutObject":
        return [("s3:PutObject", obj)]
    if operation == "GetObject":
        return [("s3:GetObjectVersion" if versioned else "s3:GetObject", obj)]
    if operation == "HeadObject":  # "you must have s3:GetObject", and the version permission
        return [("s3:GetObject", obj)] + ([("s3:GetObjectVersion", obj)] if versioned else [])
    raise AssertionError(f"rex made {operation} on the evidence bucket: add what S3 checks for "
                         "it here, and grant it in terraform/modules/roles if it belongs")


def decides(policy: dict[str, Any], action: str, resource: str) -> str:
    """IAM's evaluation of one identity policy: Deny wins, else Allow, else implicit deny."""
    hits = {s["Effect"] for s in policy["Statement"]
            if any(fnmatch.fnmatchcase(action, a) for a in s["Action"])
            and any(fnmatch.fnmatchcase(resource, r) for r in s["Resource"])}
    return "Deny" if "Deny" in hits else ("Allow" if hits else "implicit deny")


# --- the server -----------------------------------------------------------------------------

@contextmanager
def iam_enforced(endpoint: str) -> Iterator[None]:
    """Every request from here on must be signed by an IAM user and allowed by its policies."""
    def reset(count: str) -> str:
        request = urllib.request.Request(  # not a form: moto reads the raw body
            f"{endpoint}/moto-api/reset-auth", data=count.encode(), method="POST",
            headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(json.load(response)["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"])

    previous = reset("0")
    try:
        yield
    finally:
        reset(previous)


@dataclass(frozen=True)
class User:
    access_key: str
    secret: str
    evidence: str
    catalog: str
    policy: dict[str, Any]

    def s3(self, endpoint: str) -> Any:
        return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=self.access_key,
                            aws_secret_access_key=self.secret)


@dataclass(frozen=True)
class Site:
    endpoint: str
    backups: str
    signing_key: Path
    users: dict[str, User]
    calls: list[Call] = field(default_factory=list)


def _user(iam: Any, endpoint: str, backups: str, variant: str, root: Path) -> User:
    evidence = make_bucket(endpoint, lock_days=1, mode="COMPLIANCE")
    policy = job_policy(backups, evidence)
    if variant != ROLE:
        policy = without(policy, variant, evidence)
    name = f"rex-job-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="retention-job",
                        PolicyDocument=json.dumps(as_moto_checks(policy)))
    created = iam.create_access_key(UserName=name)["AccessKey"]
    return User(created["AccessKeyId"], created["SecretAccessKey"], evidence,
                f"sqlite:///{root / (name + '.db')}", policy)


@pytest.fixture(scope="module")
def site(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("job-role")
    backups = make_bucket(s3_endpoint, lock_days=32)  # the bucket the policy asks for
    write_layout(S3Store(backups, "pg", boto3.client("s3", endpoint_url=s3_endpoint)),
                 SERVER, END, DAYS, segments_per_day=2)
    private, _, _ = keys.write_pair(root / "keys")
    iam = boto3.client("iam", endpoint_url=s3_endpoint)
    users = {v: _user(iam, s3_endpoint, backups, v, root) for v in (ROLE, *EVIDENCE_GRANTS)}
    with iam_enforced(s3_endpoint):
        yield Site(s3_endpoint, backups, private, users)


def run(site: Site, variant: str, hour: int, monkeypatch: pytest.MonkeyPatch) -> Result:
    """`rex run --server suite` as the daily task runs it, with the variant's keys; the S3 calls
    on its evidence bucket are recorded in ``site.calls``."""
    user = site.users[variant]

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:  # the API's parameters
        if params.get("Bucket") == user.evidence:
            site.calls.append((model.name, user.evidence, str(params.get("Key", "")),
                               bool(params.get("VersionId"))))

    session = boto3.Session()  # rex's clients come from the default session: these keys
    session.events.register("before-parameter-build.s3", record)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
    env = {"AWS_ACCESS_KEY_ID": user.access_key, "AWS_SECRET_ACCESS_KEY": user.secret,
           "REX_STORAGE": f"s3://{site.backups}/pg",
           "REX_EVIDENCE": evidence_url(site.backups, user.evidence),
           "REX_CATALOG": user.catalog, "REX_SIGNING_KEY": str(site.signing_key),
           "REX_ACTOR": "rex-daily-job",
           "REX_NOW": (END + timedelta(hours=hour)).isoformat()}
    return CliRunner().invoke(main, ["run", "--server", SERVER], env=env,
                              catch_exceptions=False)


def checkpoints(site: Site, user: User) -> list[str]:
    listed = user.s3(site.endpoint).list_object_versions(Bucket=user.evidence)
    return sorted(v["Key"] for v in listed.get("Versions", []))


# --- the tests ------------------------------------------------------------------------------

def test_the_daily_job_signs_its_checkpoints_with_the_roles_statements(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    user = site.users[ROLE]
    for hour in RUNS:
        done = run(site, ROLE, hour, monkeypatch)
        assert done.exit_code == 0, done.stdout + done.stderr
        assert "signed checkpoint of ledger entry" in done.stderr
    written = checkpoints(site, user)
    assert len(written) == 2
    assert all(k.startswith("checkpoints/evidence/checkpoint-") for k in written)

    # what rex asked of the evidence bucket, each allowed by S3's own rules
    calls = [c for c in site.calls if c[1] == user.evidence]
    assert {c[0] for c in calls} == {"ListObjectVersions", "PutObject", "HeadObject",
                                     "GetObject"}
    assert ("GetObject", user.evidence, written[0], True) in calls  # the first, by version
    for call in calls:
        for action, resource in required(call):
            assert decides(user.policy, action, resource) == "Allow", (call, action)


@pytest.mark.parametrize("grant", EVIDENCE_GRANTS)
def test_without_any_one_evidence_grant_the_daily_job_fails(
        site: Site, grant: str, monkeypatch: pytest.MonkeyPatch) -> None:
    evidence = site.users[grant].evidence
    codes = []
    for hour in RUNS:
        done = run(site, grant, hour, monkeypatch)
        codes.append(done.exit_code)
        if done.exit_code:
            # a refused HEAD has no body to name the error code
            assert re.search(rf"on s3://{evidence}/.*(AccessDenied|403: Forbidden)",
                             done.stderr), done.stderr
            break
    # AccessDenied: the credentials lack a permission, a configuration problem (exit 2)
    assert codes[-1] == 2, f"signing succeeded twice without {grant}"


def test_the_role_cannot_delete_a_checkpoint_even_bypassing_governance(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    user = site.users[ROLE]
    if not checkpoints(site, user):
        assert run(site, ROLE, RUNS[0], monkeypatch).exit_code == 0
    s3 = user.s3(site.endpoint)
    [first, *_] = s3.list_object_versions(Bucket=user.evidence)["Versions"]
    for extra in ({}, {"VersionId": first["VersionId"], "BypassGovernanceRetention": True}):
        with pytest.raises(ClientError, match="AccessDenied"):
            s3.delete_object(Bucket=user.evidence, Key=first["Key"], **extra)
    assert decides(user.policy, "s3:BypassGovernanceRetention", f"{arn(user.evidence)}/x") == (
        "Deny")
    assert checkpoints(site, user)  # still there
