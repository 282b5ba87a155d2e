# rex on AWS: where the backups, exports and evidence live, and the keys that encrypt them.
# The retention settings come from the policy (policy.auto.tfvars.json, see variables.tf); the
# rest of the deployment is in roles.tf (who may do what) and job.tf (the daily job and its
# catalog).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  suffix = "${data.aws_caller_identity.current.account_id}-${var.region}"
  buckets = {
    backups  = "${var.name_prefix}-backups-${local.suffix}"
    exports  = "${var.name_prefix}-exports-${local.suffix}"
    evidence = "${var.name_prefix}-evidence-${local.suffix}"
    logs     = "${var.name_prefix}-access-logs-${local.suffix}"
  }
  bucket_arns = { for k, name in local.buckets : k => "arn:${data.aws_partition.current.partition}:s3:::${name}" }

  storage_url     = "s3://${local.buckets.backups}/${var.backup_prefix}"
  exports_url     = "s3://${local.buckets.exports}/exports"
  evidence_prefix = "checkpoints"
  evidence_url    = "s3://${local.buckets.evidence}/${local.evidence_prefix}"
}

# --- keys: one per kind of data, rotated yearly -------------------------------------------------

module "backups_key" {
  source      = "./modules/kms_key"
  alias       = "${var.name_prefix}/backups"
  description = "rex: barman-cloud base backups and WAL"
}

module "exports_key" {
  source      = "./modules/kms_key"
  alias       = "${var.name_prefix}/exports"
  description = "rex: offboarding bundles"
}

module "evidence_key" {
  source      = "./modules/kms_key"
  alias       = "${var.name_prefix}/evidence"
  description = "rex: signed ledger checkpoints and auditor reports"
}

module "operations_key" {
  source                = "./modules/kms_key"
  alias                 = "${var.name_prefix}/operations"
  description           = "rex: catalog database, job logs, image repository, alarms, schedule"
  service_principals    = ["cloudwatch.amazonaws.com"]
  allow_cloudwatch_logs = true
}

# --- buckets ---------------------------------------------------------------------------------

# Backups: the policy's Object Lock mode and default retention lock every new base-backup object
# and WAL segment; rex extends a kept backup's retention and sets legal holds on held ones.
module "backups_bucket" {
  source                             = "./modules/locked_bucket"
  bucket                             = local.buckets.backups
  purpose                            = "backups"
  kms_key_arn                        = module.backups_key.arn
  object_lock_mode                   = var.object_lock_mode
  object_lock_days                   = var.object_lock_retention_days
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  access_log_bucket                  = module.access_logs.id
}

# Exports: offboarding bundles, locked for a while after delivery so that what was handed over
# can be proven; they hold client data, so the lock is GOVERNANCE and short.
module "exports_bucket" {
  source                             = "./modules/locked_bucket"
  bucket                             = local.buckets.exports
  purpose                            = "exports"
  kms_key_arn                        = module.exports_key.arn
  object_lock_mode                   = "GOVERNANCE"
  object_lock_days                   = var.exports_retention_days
  noncurrent_version_expiration_days = var.exports_retention_days + 30
  access_log_bucket                  = module.access_logs.id
}

# Evidence: signed ledger checkpoints (chain heads) and reports under COMPLIANCE Object Lock, so
# that no operator, root included, can rewrite history. They carry no client data.
module "evidence_bucket" {
  source                             = "./modules/locked_bucket"
  bucket                             = local.buckets.evidence
  purpose                            = "evidence"
  kms_key_arn                        = module.evidence_key.arn
  object_lock_mode                   = "COMPLIANCE"
  object_lock_days                   = var.evidence_retention_days
  noncurrent_version_expiration_days = var.evidence_retention_days + 30
  access_log_bucket                  = module.access_logs.id
}

module "access_logs" {
  source             = "./modules/access_logs"
  bucket             = local.buckets.logs
  source_bucket_arns = [local.bucket_arns.backups, local.bucket_arns.exports, local.bucket_arns.evidence]
  retention_days     = var.log_retention_days
}
