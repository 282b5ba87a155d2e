variable "name_prefix" {
  description = "Prefix of every role name."
  type        = string
}

variable "backups_bucket_arn" {
  description = "ARN of the backup bucket (barman-cloud's destination)."
  type        = string
}

variable "exports_bucket_arn" {
  description = "ARN of the exports bucket (offboarding bundles)."
  type        = string
}

variable "evidence_bucket_arn" {
  description = "ARN of the evidence bucket (signed ledger checkpoints and auditor reports)."
  type        = string
}

variable "evidence_prefix" {
  description = "Key prefix of the evidence location in the evidence bucket (REX_EVIDENCE is s3://<bucket>/<prefix>): the retention job writes checkpoints there only."
  type        = string
}

variable "backups_key_arn" {
  description = "ARN of the KMS key of the backup bucket."
  type        = string
}

variable "exports_key_arn" {
  description = "ARN of the KMS key of the exports bucket."
  type        = string
}

variable "evidence_key_arn" {
  description = "ARN of the KMS key of the evidence bucket."
  type        = string
}

variable "backup_writer_principal_arns" {
  description = "IAM principals (the database hosts' roles) that may assume the backup writer role."
  type        = list(string)
}

variable "exports_writer_principal_arns" {
  description = "IAM principals (the offboarding team) that may assume the exports writer role."
  type        = list(string)
}

variable "auditor_principal_arns" {
  description = "IAM principals (the auditors) that may assume the auditor role."
  type        = list(string)
}

variable "catalog_db_resource_id" {
  description = "Resource id (db-...) of the catalog's RDS instance, for the auditor's IAM database login."
  type        = string
}

variable "auditor_db_user" {
  description = "PostgreSQL user the auditor logs in as with IAM authentication (read-only on the ledger)."
  type        = string
}
