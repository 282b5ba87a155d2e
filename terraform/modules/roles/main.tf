# Four roles, each with only what its job needs. Every role that touches the data buckets also
# carries explicit denies, so that no later Allow (another policy, a wildcard) can widen it:
# nobody here may bypass governance retention, and nobody but the retention job may delete.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  data_buckets = [var.backups_bucket_arn, var.exports_bucket_arn, var.evidence_bucket_arn]
  data_objects = [for arn in local.data_buckets : "${arn}/*"]

  # Changing a bucket's protections is the operators' job through Terraform, never a runtime role's.
  bucket_protection_changes = [
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutBucketVersioning",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketPublicAccessBlock",
    "s3:DeleteBucket",
  ]
}

# --- trust -----------------------------------------------------------------------------------

data "aws_iam_policy_document" "trust_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "trust_principals" {
  for_each = {
    backup_writer  = var.backup_writer_principal_arns
    exports_writer = var.exports_writer_principal_arns
    auditor        = var.auditor_principal_arns
  }

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "AWS"
      identifiers = each.value
    }
  }
}

# --- backup writer: barman-cloud puts and lists, never deletes -------------------------------

data "aws_iam_policy_document" "backup_writer" {
  statement {
    sid       = "ListTheBackupBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.backups_bucket_arn]
  }

  statement {
    sid       = "PutBackupsAndWal"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${var.backups_bucket_arn}/*"]
  }

  statement {
    sid       = "EncryptWithTheBackupKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.backups_key_arn]
  }

  statement {
    sid       = "NeverDeleteOrUnlock"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectRetention", "s3:PutObjectLegalHold"]
    resources = local.data_objects
  }

  statement {
    sid       = "NeverChangeBucketProtections"
    effect    = "Deny"
    actions   = local.bucket_protection_changes
    resources = local.data_buckets
  }
}

resource "aws_iam_role" "backup_writer" {
  name                 = "${var.name_prefix}-backup-writer"
  description          = "barman-cloud on the database hosts: put and list backups and WAL; no delete."
  assume_role_policy   = data.aws_iam_policy_document.trust_principals["backup_writer"].json
  max_session_duration = 43200
}

resource "aws_iam_role_policy" "backup_writer" {
  name   = "backup-writer"
  role   = aws_iam_role.backup_writer.id
  policy = data.aws_iam_policy_document.backup_writer.json
}

# --- retention job: the daily `rex run` (ECS task role) --------------------------------------

data "aws_iam_policy_document" "retention_job" {
  statement {
    sid       = "ListAndReadTheBackupBucket"
    actions   = ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration"]
    resources = [var.backups_bucket_arn]
  }

  statement {
    sid = "ReadDeleteAndLockBackupVersions"
    actions = [
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:DeleteObject",
      "s3:DeleteObjectVersion",
      "s3:GetObjectRetention",
      "s3:PutObjectRetention",
      "s3:GetObjectLegalHold",
      "s3:PutObjectLegalHold",
    ]
    resources = ["${var.backups_bucket_arn}/*"]
  }

  # Signing the ledger head after each run (--signing-key): list every version of the
  # checkpoints, read earlier ones by version id, put the new one and HEAD the version stored.
  # The bucket's default COMPLIANCE retention locks it: no retention call, no delete.
  statement {
    sid       = "ListCheckpointVersions"
    actions   = ["s3:ListBucketVersions"]
    resources = [var.evidence_bucket_arn]
  }

  statement {
    sid       = "WriteAndReadLedgerCheckpoints"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${var.evidence_bucket_arn}/${var.evidence_prefix}/*"]
  }

  statement {
    sid       = "UseTheBackupAndEvidenceKeys"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.backups_key_arn, var.evidence_key_arn]
  }

  statement {
    sid       = "NeverBypassGovernanceRetention"
    effect    = "Deny"
    actions   = ["s3:BypassGovernanceRetention"]
    resources = ["*"]
  }

  statement {
    sid       = "NeverDeleteEvidenceOrExports"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion"]
    resources = ["${var.evidence_bucket_arn}/*", "${var.exports_bucket_arn}/*"]
  }

  statement {
    sid       = "NeverChangeBucketProtections"
    effect    = "Deny"
    actions   = local.bucket_protection_changes
    resources = local.data_buckets
  }
}

resource "aws_iam_role" "retention_job" {
  name               = "${var.name_prefix}-retention-job"
  description        = "The daily rex run: list, read, delete expired versions, extend retention, legal holds; cannot bypass governance retention."
  assume_role_policy = data.aws_iam_policy_document.trust_ecs_tasks.json
}

resource "aws_iam_role_policy" "retention_job" {
  name   = "retention-job"
  role   = aws_iam_role.retention_job.id
  policy = data.aws_iam_policy_document.retention_job.json
}

# --- exports writer: offboarding bundles -----------------------------------------------------

data "aws_iam_policy_document" "exports_writer" {
  statement {
    sid       = "ListTheExportsBucket"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [var.exports_bucket_arn]
  }

  statement {
    sid       = "WriteAndReadBundles"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${var.exports_bucket_arn}/*"]
  }

  statement {
    sid       = "EncryptWithTheExportsKey"
    actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
    resources = [var.exports_key_arn]
  }

  # rex offboard --upload locks a bundle until its client's hold ends: extending governance
  # retention needs no bypass, shortening it would, and the bypass is denied below
  statement {
    sid       = "LockBundlesUntilTheHoldEnds"
    actions   = ["s3:PutObjectRetention", "s3:GetObjectRetention"]
    resources = ["${var.exports_bucket_arn}/*"]
  }

  statement {
    sid       = "NeverDeleteOrUnlock"
    effect    = "Deny"
    actions   = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:PutObjectLegalHold"]
    resources = local.data_objects
  }

  statement {
    sid       = "NeverTouchOtherLocks"
    effect    = "Deny"
    actions   = ["s3:PutObjectRetention"]
    resources = ["${var.backups_bucket_arn}/*", "${var.evidence_bucket_arn}/*"]
  }

  statement {
    sid       = "NeverChangeBucketProtections"
    effect    = "Deny"
    actions   = local.bucket_protection_changes
    resources = local.data_buckets
  }
}

resource "aws_iam_role" "exports_writer" {
  name               = "${var.name_prefix}-exports-writer"
  description        = "The offboarding team: write and read offboarding bundles; no delete."
  assume_role_policy = data.aws_iam_policy_document.trust_principals["exports_writer"].json
}

resource "aws_iam_role_policy" "exports_writer" {
  name   = "exports-writer"
  role   = aws_iam_role.exports_writer.id
  policy = data.aws_iam_policy_document.exports_writer.json
}

# --- auditor: read-only on evidence, lock state of backups, and the catalog's ledger ----------

data "aws_iam_policy_document" "auditor" {
  statement {
    sid       = "ListEvidenceAndBackupLockState"
    actions   = ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation", "s3:GetBucketVersioning", "s3:GetBucketObjectLockConfiguration"]
    resources = [var.evidence_bucket_arn, var.backups_bucket_arn]
  }

  statement {
    sid       = "ReadEvidenceAndReports"
    actions   = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectRetention", "s3:GetObjectLegalHold"]
    resources = ["${var.evidence_bucket_arn}/*"]
  }

  # The lock state of every backup version, without its content (client data).
  statement {
    sid       = "ReadBackupLockStateOnly"
    actions   = ["s3:GetObjectRetention", "s3:GetObjectLegalHold"]
    resources = ["${var.backups_bucket_arn}/*"]
  }

  statement {
    sid       = "DecryptEvidence"
    actions   = ["kms:Decrypt"]
    resources = [var.evidence_key_arn]
  }

  statement {
    sid       = "ConnectToTheCatalogReadOnly"
    actions   = ["rds-db:connect"]
    resources = ["arn:${data.aws_partition.current.partition}:rds-db:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:dbuser:${var.catalog_db_resource_id}/${var.auditor_db_user}"]
  }
}

resource "aws_iam_role" "auditor" {
  name                 = "${var.name_prefix}-auditor"
  description          = "Auditors: read-only on evidence, reports, backup lock state and the catalog's ledger."
  assume_role_policy   = data.aws_iam_policy_document.trust_principals["auditor"].json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "auditor" {
  name   = "auditor"
  role   = aws_iam_role.auditor.id
  policy = data.aws_iam_policy_document.auditor.json
}
