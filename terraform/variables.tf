# --- set by the policy: policy.auto.tfvars.json, written by `rex policy terraform-vars` --------
# Do not set these by hand: regenerate the file from the policy (see README.md).

variable "policy_name" {
  description = "Name of the retention policy these settings come from; the daily job runs with it (REX_POLICY)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]*$", var.policy_name))
    error_message = "A shipped policy name: lowercase letters, digits, '.', '_' and '-'."
  }
}

variable "policy_sha256" {
  description = "sha256 of the policy document, tagged on every resource so that drift is visible."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.policy_sha256))
    error_message = "64 lowercase hex digits."
  }
}

variable "policy_timezone" {
  description = "The policy's calendar (IANA time zone); the daily schedule is read in it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$", var.policy_timezone))
    error_message = "An IANA time zone such as Europe/Amsterdam."
  }
}

variable "object_lock_mode" {
  description = "The policy's object_lock.mode: the default retention mode of the backup bucket."
  type        = string

  validation {
    condition     = contains(["GOVERNANCE", "COMPLIANCE"], var.object_lock_mode)
    error_message = "GOVERNANCE or COMPLIANCE."
  }
}

variable "object_lock_retention_days" {
  description = "The policy's object_lock.default_retention in whole days: the backup bucket's default retention (covers the PITR window and its margin)."
  type        = number

  validation {
    condition     = var.object_lock_retention_days >= 1 && floor(var.object_lock_retention_days) == var.object_lock_retention_days
    error_message = "A whole number of days, at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Lifecycle safety net of the backup bucket: noncurrent versions expire this many days after they became noncurrent (daily keep + post-termination hold + erasure grace, months counted as 31 days)."
  type        = number

  validation {
    condition     = var.noncurrent_version_expiration_days >= 30
    error_message = "At least 30 days: the safety net must expire versions well after the policy would delete them."
  }
}

# --- the deployment ----------------------------------------------------------------------------

variable "region" {
  description = "AWS region of every resource."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "An AWS region such as eu-central-1."
  }
}

variable "name_prefix" {
  description = "Prefix of resource names; bucket names add the account id and region to be globally unique."
  type        = string
  default     = "rex"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.name_prefix))
    error_message = "2 to 16 lowercase letters, digits and '-', starting with a letter."
  }
}

variable "vpc_id" {
  description = "VPC the daily task and the catalog database run in."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "A VPC id such as vpc-0123456789abcdef0."
  }
}

variable "private_subnet_ids" {
  description = "Private subnets in at least two Availability Zones, with a route (NAT or VPC endpoints) to S3, ECR, CloudWatch Logs and Secrets Manager."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "At least two subnet ids such as subnet-0123456789abcdef0 (RDS needs two Availability Zones)."
  }
}

variable "backup_prefix" {
  description = "Key prefix of the backups in the backup bucket: barman-cloud and rex use s3://<bucket>/<prefix>, a server's objects are under <prefix>/<server>/."
  type        = string
  default     = "pg"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._/-]*[A-Za-z0-9]$", var.backup_prefix)) && !strcontains(var.backup_prefix, "//")
    error_message = "A key prefix without leading or trailing '/' and without '//'."
  }
}

variable "servers" {
  description = "barman-cloud server names; the daily job runs `rex run --server NAME` for each."
  type        = list(string)

  validation {
    condition     = length(var.servers) > 0 && alltrue([for s in var.servers : can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$", s))])
    error_message = "At least one server name of letters, digits, '_' and '-' (at most 48 characters)."
  }
}

variable "image_tag" {
  description = "Tag of the rex image (built from the project's Dockerfile) in the ECR repository; tags are immutable, so use a version or commit, not \"latest\"."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$", var.image_tag)) && var.image_tag != "latest"
    error_message = "An image tag (letters, digits, '_', '.', '-'), not \"latest\"."
  }
}

variable "schedule_expression" {
  description = "When the daily job runs, read in the policy's time zone (EventBridge Scheduler expression)."
  type        = string
  default     = "cron(30 6 * * ? *)"

  validation {
    condition     = can(regex("^(cron|rate)\\(.+\\)$", var.schedule_expression))
    error_message = "A cron(...) or rate(...) expression."
  }
}

variable "task_cpu" {
  description = "Fargate CPU units of the daily task."
  type        = number
  default     = 1024

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "One of 256, 512, 1024, 2048, 4096."
  }
}

variable "task_memory" {
  description = "Fargate memory of the daily task in MiB (must suit task_cpu)."
  type        = number
  default     = 2048

  validation {
    condition     = var.task_memory >= 512 && var.task_memory <= 30720 && var.task_memory % 512 == 0
    error_message = "512 to 30720 MiB in steps of 512."
  }
}

variable "missed_run_hours" {
  description = "Hours without a successful daily run before the missed-run alarm fires."
  type        = number
  default     = 26

  validation {
    condition     = var.missed_run_hours >= 2 && var.missed_run_hours <= 168
    error_message = "2 to 168 hours."
  }
}

variable "catalog_engine_version" {
  description = "PostgreSQL major version of the catalog."
  type        = string
  default     = "16"

  validation {
    condition     = contains(["15", "16", "17"], var.catalog_engine_version)
    error_message = "15, 16 or 17."
  }
}

variable "catalog_instance_class" {
  description = "RDS instance class of the catalog."
  type        = string
  default     = "db.t4g.small"

  validation {
    condition     = startswith(var.catalog_instance_class, "db.")
    error_message = "An RDS instance class such as db.t4g.small."
  }
}

variable "catalog_allocated_storage" {
  description = "Storage of the catalog in GiB."
  type        = number
  default     = 20

  validation {
    condition     = var.catalog_allocated_storage >= 20 && var.catalog_allocated_storage <= 1000
    error_message = "20 to 1000 GiB."
  }
}

variable "catalog_multi_az" {
  description = "Run the catalog with a standby in a second Availability Zone."
  type        = bool
  default     = true
}

variable "catalog_backup_retention_days" {
  description = "Days RDS keeps automated backups of the catalog (which holds the ledger)."
  type        = number
  default     = 35

  validation {
    condition     = var.catalog_backup_retention_days >= 7 && var.catalog_backup_retention_days <= 35
    error_message = "7 to 35 days."
  }
}

variable "exports_retention_days" {
  description = "GOVERNANCE Object Lock default retention of offboarding bundles, in days."
  type        = number
  default     = 30

  validation {
    condition     = var.exports_retention_days >= 1 && var.exports_retention_days <= 365
    error_message = "1 to 365 days."
  }
}

variable "evidence_retention_days" {
  description = "COMPLIANCE Object Lock default retention of ledger checkpoints and reports, in days. Nobody, root included, can shorten it: checkpoints hold hashes and signatures, no client data."
  type        = number
  default     = 2557

  validation {
    condition     = var.evidence_retention_days >= 365 && var.evidence_retention_days <= 3653
    error_message = "365 to 3653 days (1 to 10 years)."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the job's logs, run outcomes and database logs (and S3 access logs are kept)."
  type        = number
  default     = 400

  validation {
    condition     = contains([400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "A CloudWatch Logs retention of at least a year: 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653."
  }
}

variable "backup_writer_principal_arns" {
  description = "IAM roles of the database hosts that run barman-cloud; they may assume the backup writer role."
  type        = list(string)

  validation {
    condition     = length(var.backup_writer_principal_arns) > 0 && alltrue([for a in var.backup_writer_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "At least one IAM role ARN (arn:aws:iam::123456789012:role/NAME)."
  }
}

variable "exports_writer_principal_arns" {
  description = "IAM roles of the offboarding team; they may assume the exports writer role."
  type        = list(string)

  validation {
    condition     = length(var.exports_writer_principal_arns) > 0 && alltrue([for a in var.exports_writer_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "At least one IAM role ARN (arn:aws:iam::123456789012:role/NAME): a role nobody may assume has an invalid trust policy."
  }
}

variable "auditor_principal_arns" {
  description = "IAM roles of the auditors; they may assume the read-only auditor role."
  type        = list(string)

  validation {
    condition     = length(var.auditor_principal_arns) > 0 && alltrue([for a in var.auditor_principal_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", a))])
    error_message = "At least one IAM role ARN (arn:aws:iam::123456789012:role/NAME): a role nobody may assume has an invalid trust policy."
  }
}

variable "auditor_db_user" {
  description = "PostgreSQL user the auditor role logs into the catalog as (IAM authentication, read-only grants; created once, see README.md)."
  type        = string
  default     = "rex_auditor"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,62}$", var.auditor_db_user))
    error_message = "A PostgreSQL identifier: lowercase letters, digits and '_'."
  }
}

variable "alarm_emails" {
  description = "E-mail addresses notified by the daily job's alarms (each must confirm its subscription)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "E-mail addresses."
  }
}
