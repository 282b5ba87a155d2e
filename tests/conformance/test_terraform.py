"""terraform/ read by third-party tools: python-hcl2 (what the .tf files declare), checkov (no
failed check), ``terraform fmt -check`` (where a terraform binary exists). Nothing here needs
``terraform init`` or a provider download.

The policy link: ``terraform/policy.auto.tfvars.json`` is exactly what
``rex policy terraform-vars`` prints, and the backup bucket's Object Lock takes its mode and
days from those variables.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest
from click.testing import CliRunner

from cli import main
from retention.policy import load_policy
from retention.terraform_vars import exact_days
from tests.support.terraform import (
    PROJECT,
    TERRAFORM,
    checkov,
    load_module,
    module_dirs,
    named,
    typed,
)

MODULES = TERRAFORM / "modules"
TFVARS = TERRAFORM / "policy.auto.tfvars.json"
REGENERATE = "rex policy terraform-vars > terraform/policy.auto.tfvars.json"


def root() -> dict[str, list[Any]]:
    return load_module(TERRAFORM)


def module(name: str) -> dict[str, list[Any]]:
    return load_module(MODULES / name)


def statements(doc: dict[str, list[Any]], policy: str) -> dict[str, dict[str, Any]]:
    """The statements of one aws_iam_policy_document, by sid."""
    return {s["sid"]: s for s in typed(doc, "data", "aws_iam_policy_document")[policy]["statement"]}


def allowed(doc: dict[str, list[Any]], policy: str) -> set[str]:
    return {a for s in statements(doc, policy).values() if s.get("effect", "Allow") == "Allow"
            for a in s["actions"]}


def denied(doc: dict[str, list[Any]], policy: str) -> set[str]:
    return {a for s in statements(doc, policy).values() if s.get("effect") == "Deny"
            for a in s["actions"]}


# --- the policy link ----------------------------------------------------------------------------

def test_committed_tfvars_is_what_the_command_prints() -> None:
    result = CliRunner().invoke(main, ["policy", "terraform-vars"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert TFVARS.read_text(encoding="utf-8") == result.stdout, (
        f"{TFVARS.relative_to(PROJECT)} differs from the policy; regenerate it with "
        f"`{REGENERATE}` and review the diff")


def test_tfvars_are_declared_policy_variables_without_defaults() -> None:
    variables = named(root(), "variable")
    for key in json.loads(TFVARS.read_text(encoding="utf-8")):
        assert key in variables, f"{key} is in {TFVARS.name} but not declared in variables.tf"
        assert "default" not in variables[key], f"{key} must come from the policy, not a default"


def test_backup_bucket_object_lock_is_the_policys_default_retention() -> None:
    policy = load_policy("engage-sla-2024")
    tfvars = json.loads(TFVARS.read_text(encoding="utf-8"))
    assert tfvars["object_lock_mode"] == policy.object_lock.mode == "GOVERNANCE"
    assert tfvars["object_lock_retention_days"] == exact_days(
        policy.object_lock.default_retention, "object_lock.default_retention") == 32

    backups = named(root(), "module")["backups_bucket"]
    assert backups["source"] == "./modules/locked_bucket"
    assert backups["object_lock_mode"] == "${var.object_lock_mode}"
    assert backups["object_lock_days"] == "${var.object_lock_retention_days}"

    bucket = module("locked_bucket")
    assert typed(bucket, "resource", "aws_s3_bucket")["this"]["object_lock_enabled"] is True
    lock = typed(bucket, "resource", "aws_s3_bucket_object_lock_configuration")["this"]
    [retention] = lock["rule"][0]["default_retention"]
    assert retention == {"mode": "${var.object_lock_mode}", "days": "${var.object_lock_days}"}


def test_evidence_location_is_under_compliance_object_lock() -> None:
    evidence = named(root(), "module")["evidence_bucket"]
    assert evidence["source"] == "./modules/locked_bucket"
    assert evidence["object_lock_mode"] == "COMPLIANCE"
    assert evidence["kms_key_arn"] == "${module.evidence_key.arn}"


# --- bucket protections -------------------------------------------------------------------------

BUCKET_MODULES = ["locked_bucket", "access_logs"]


@pytest.mark.parametrize("name", BUCKET_MODULES)
def test_versioning_is_on(name: str) -> None:
    versioning = typed(module(name), "resource", "aws_s3_bucket_versioning")["this"]
    assert versioning["versioning_configuration"] == [{"status": "Enabled"}]


@pytest.mark.parametrize("name", BUCKET_MODULES)
def test_public_access_is_blocked(name: str) -> None:
    block = typed(module(name), "resource", "aws_s3_bucket_public_access_block")["this"]
    for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls",
                    "restrict_public_buckets"):
        assert block[setting] is True, setting


@pytest.mark.parametrize(("name", "policy"), [("locked_bucket", "tls_only"),
                                              ("access_logs", "this")])
def test_bucket_policy_denies_requests_without_tls(name: str, policy: str) -> None:
    doc = module(name)
    tls = statements(doc, policy)["DenyRequestsWithoutTLS"]
    assert tls["effect"] == "Deny" and tls["actions"] == ["s3:*"]
    assert tls["principals"] == [{"type": "*", "identifiers": ["*"]}]
    assert tls["condition"] == [{"test": "Bool", "variable": "aws:SecureTransport",
                                 "values": ["false"]}]
    attached = [p["policy"] for p in typed(doc, "resource", "aws_s3_bucket_policy").values()]
    assert attached == [f"${{data.aws_iam_policy_document.{policy}.json}}"]


def test_data_buckets_use_sse_kms_with_a_bucket_key() -> None:
    sse = typed(module("locked_bucket"), "resource",
                "aws_s3_bucket_server_side_encryption_configuration")["this"]
    [rule] = sse["rule"]
    assert rule["bucket_key_enabled"] is True
    assert rule["apply_server_side_encryption_by_default"] == [
        {"sse_algorithm": "aws:kms", "kms_master_key_id": "${var.kms_key_arn}"}]


def test_lifecycle_is_only_a_safety_net() -> None:
    lifecycle = typed(module("locked_bucket"), "resource",
                      "aws_s3_bucket_lifecycle_configuration")["this"]
    for rule in lifecycle["rule"]:
        # current versions never expire: only lone delete markers are cleaned up
        for expiration in rule.get("expiration", []):
            assert expiration == {"expired_object_delete_marker": True}
        assert rule["noncurrent_version_expiration"] == [
            {"noncurrent_days": "${var.noncurrent_version_expiration_days}"}]
    backups = named(root(), "module")["backups_bucket"]
    assert backups["noncurrent_version_expiration_days"] == (
        "${var.noncurrent_version_expiration_days}")
    tfvars = json.loads(TFVARS.read_text(encoding="utf-8"))
    assert tfvars["noncurrent_version_expiration_days"] > 6 * 31  # after the 6-month daily keep


# --- keys ---------------------------------------------------------------------------------------

def test_every_kms_key_rotates() -> None:
    keys = [(d.name, body) for d in module_dirs()
            for body in typed(load_module(d), "resource", "aws_kms_key").values()]
    assert keys, "no aws_kms_key declared"
    for folder, key in keys:
        assert key["enable_key_rotation"] is True, folder
    key_modules = {name for name, body in named(root(), "module").items()
                   if body["source"] == "./modules/kms_key"}
    assert key_modules == {"backups_key", "exports_key", "evidence_key", "operations_key"}


# --- roles --------------------------------------------------------------------------------------

def test_retention_job_cannot_bypass_governance() -> None:
    roles = module("roles")
    deny = statements(roles, "retention_job")["NeverBypassGovernanceRetention"]
    assert (deny["effect"], deny["actions"], deny["resources"]) == (
        "Deny", ["s3:BypassGovernanceRetention"], ["*"])
    can = allowed(roles, "retention_job")
    assert {"s3:ListBucketVersions", "s3:GetObject", "s3:DeleteObjectVersion",
            "s3:PutObjectRetention", "s3:PutObjectLegalHold"} <= can
    assert typed(roles, "resource", "aws_iam_role_policy")["retention_job"]["policy"] == (
        "${data.aws_iam_policy_document.retention_job.json}")
    assert named(root(), "module")["daily_job"]["task_role_arn"] == (
        "${module.roles.retention_job_role_arn}")


def test_retention_job_may_only_sign_checkpoints_in_the_evidence_bucket() -> None:
    """What checkpoint signing does there (test_terraform_job_role runs it), nothing more: no
    retention call (the bucket's default COMPLIANCE retention locks each checkpoint), no delete,
    and only under the evidence location the daily job is given."""
    on_evidence: dict[str, set[str]] = {}
    for s in statements(module("roles"), "retention_job").values():
        if s.get("effect", "Allow") == "Allow":
            for resource in s["resources"]:
                if resource.startswith("${var.evidence_bucket_arn}"):
                    on_evidence.setdefault(resource, set()).update(s["actions"])
    assert on_evidence == {
        "${var.evidence_bucket_arn}": {"s3:ListBucketVersions"},
        "${var.evidence_bucket_arn}/${var.evidence_prefix}/*": {
            "s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"}}
    assert named(root(), "module")["roles"]["evidence_prefix"] == "${local.evidence_prefix}"
    assert named(root(), "module")["daily_job"]["environment"]["REX_EVIDENCE"] == (
        "${local.evidence_url}")
    [main_locals] = root()["locals"]
    assert main_locals["evidence_url"].endswith("/${local.evidence_prefix}")


def test_no_role_is_allowed_to_bypass_governance_or_use_wildcards() -> None:
    roles = module("roles")
    for policy in typed(roles, "data", "aws_iam_policy_document"):
        if policy.startswith("trust"):
            continue
        for action in allowed(roles, policy):
            assert "*" not in action and action != "s3:BypassGovernanceRetention", (policy, action)


def test_backup_writer_puts_and_lists_and_cannot_delete() -> None:
    roles = module("roles")
    can = allowed(roles, "backup_writer")
    assert {"s3:PutObject", "s3:ListBucket"} <= can
    assert not [a for a in can if "Delete" in a or "Retention" in a or "LegalHold" in a]
    assert {"s3:DeleteObject", "s3:DeleteObjectVersion",
            "s3:BypassGovernanceRetention"} <= denied(roles, "backup_writer")


def test_exports_writer_cannot_delete() -> None:
    roles = module("roles")
    assert not [a for a in allowed(roles, "exports_writer") if "Delete" in a]
    assert {"s3:DeleteObject", "s3:DeleteObjectVersion",
            "s3:BypassGovernanceRetention"} <= denied(roles, "exports_writer")
    # it locks a bundle until the hold ends (extending needs no bypass), nothing else
    assert "s3:PutObjectRetention" in allowed(roles, "exports_writer")


def test_auditor_is_read_only() -> None:
    for action in allowed(module("roles"), "auditor"):
        verb = action.split(":")[1]
        assert verb.startswith(("Get", "List")) or action in {"kms:Decrypt", "rds-db:connect"}, (
            action)


# --- the daily job ------------------------------------------------------------------------------

def test_daily_job_is_scheduled_rex_run_on_fargate_with_failure_alarms() -> None:
    job = module("daily_job")
    [schedule] = typed(job, "resource", "aws_scheduler_schedule").values()
    [target] = schedule["target"]
    command = re.sub(r'[\s"${}]', "", target["input"]).replace("=", ":")  # hcl2 7 and 8 differ
    assert "command:[run,--server,each.key]" in command, target["input"]
    assert target["ecs_parameters"][0]["launch_type"] == "FARGATE"
    assert schedule["schedule_expression_timezone"] == "${var.schedule_timezone}"
    assert named(root(), "module")["daily_job"]["schedule_timezone"] == "${var.policy_timezone}"
    alarms = typed(job, "resource", "aws_cloudwatch_metric_alarm")
    assert set(alarms) == {"job_failed", "job_missed"}
    assert all(a["alarm_actions"] == ["${aws_sns_topic.alarms.arn}"] for a in alarms.values())


def test_dockerfile_builds_rex_with_barman_cloud_as_a_non_root_user() -> None:
    text = (PROJECT / "Dockerfile").read_text(encoding="utf-8")
    assert 'pip install --no-cache-dir . "barman[cloud]' in text
    assert 'ENTRYPOINT ["rex"]' in text
    assert "\nUSER 10001\n" in text


# --- the declarations themselves ----------------------------------------------------------------

@pytest.mark.parametrize("folder", module_dirs(), ids=lambda p: p.name)
def test_variables_and_outputs_are_described(folder: Any) -> None:
    doc = load_module(folder)
    for name, variable in named(doc, "variable").items():
        assert variable.get("description"), f"{folder.name}: variable {name} has no description"
        assert "type" in variable, f"{folder.name}: variable {name} has no type"
    for name, output in named(doc, "output").items():
        assert output.get("description"), f"{folder.name}: output {name} has no description"


def test_root_variables_are_validated() -> None:
    for name, variable in named(root(), "variable").items():
        if variable["type"] not in ("bool", "${bool}"):  # hcl2 7 and 8
            assert variable.get("validation"), f"variable {name} has no validation"


# --- third-party tools --------------------------------------------------------------------------

def _checkov(*args: str) -> dict[str, Any]:
    done = subprocess.run([str(checkov()), *args, "--skip-download", "--compact", "-o", "json"],
                          capture_output=True, text=True, timeout=300, check=False, cwd=PROJECT)
    assert done.stdout.strip(), f"checkov printed nothing:\n{done.stderr}"
    report = json.loads(done.stdout)
    [result] = report if isinstance(report, list) else [report]
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
              for c in result["results"]["failed_checks"]]
    assert not failed and done.returncode == 0, "checkov failed:\n" + "\n".join(failed)
    assert result["summary"]["parsing_errors"] == 0
    return dict(result)


@pytest.mark.slow  # the first run builds checkov's own venv (about a minute)
def test_checkov_passes_on_terraform_and_every_skip_is_justified() -> None:
    result = _checkov("-d", "terraform", "--framework", "terraform")
    assert result["summary"]["passed"] > 100
    for skipped in result["results"]["skipped_checks"]:
        reason = (skipped.get("check_result") or {}).get("suppress_comment", "")
        assert len(reason) > 20, f"{skipped['check_id']} on {skipped['resource']}: no reason"


@pytest.mark.slow
def test_checkov_passes_on_the_dockerfile() -> None:
    result = _checkov("-f", "Dockerfile", "--framework", "dockerfile")
    assert result["results"]["skipped_checks"] == []


def test_terraform_fmt_check() -> None:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("no terraform binary on PATH; `terraform fmt -check -recursive terraform` "
                    "runs offline wherever one is installed")
    done = subprocess.run([binary, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, f"run `terraform fmt -recursive terraform`:\n{done.stdout}"
