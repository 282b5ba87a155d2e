output "storage_url" {
  description = "The URL barman-cloud writes to and rex reads (REX_STORAGE): s3://<backup bucket>/<prefix>."
  value       = local.storage_url
}

output "exports_url" {
  description = "Where offboarding bundles go (REX_EXPORTS)."
  value       = local.exports_url
}

output "evidence_url" {
  description = "Where signed ledger checkpoints go, under COMPLIANCE Object Lock."
  value       = local.evidence_url
}

output "buckets" {
  description = "Bucket names by purpose: backups, exports, evidence, logs (S3 access logs)."
  value       = local.buckets
}

output "kms_key_arns" {
  description = "KMS key ARNs by purpose."
  value = {
    backups    = module.backups_key.arn
    exports    = module.exports_key.arn
    evidence   = module.evidence_key.arn
    operations = module.operations_key.arn
  }
}

output "role_arns" {
  description = "IAM role ARNs: backup_writer (barman-cloud), retention_job (the daily task), exports_writer (offboarding), auditor (read-only)."
  value = {
    backup_writer  = module.roles.backup_writer_role_arn
    retention_job  = module.roles.retention_job_role_arn
    exports_writer = module.roles.exports_writer_role_arn
    auditor        = module.roles.auditor_role_arn
  }
}

output "ecr_repository_url" {
  description = "Push the image built from the project's Dockerfile here, tagged with image_tag."
  value       = module.daily_job.ecr_repository_url
}

output "ecs_cluster_arn" {
  description = "ECS cluster of the daily job."
  value       = module.daily_job.cluster_arn
}

output "task_definition_arn" {
  description = "Task definition of the daily job; run it once with the command `db upgrade` after the first apply."
  value       = module.daily_job.task_definition_arn
}

output "task_security_group_id" {
  description = "Security group of the daily task (for one-off runs)."
  value       = aws_security_group.task.id
}

output "job_log_group" {
  description = "CloudWatch log group with the output of every run."
  value       = module.daily_job.log_group
}

output "alarm_topic_arn" {
  description = "SNS topic notified when a run fails or no run succeeded in time."
  value       = module.daily_job.alarm_topic_arn
}

output "catalog_address" {
  description = "Host name of the catalog database."
  value       = module.catalog.address
}

output "catalog_secret_arn" {
  description = "Secrets Manager secret with the catalog's master password (managed by RDS)."
  value       = module.catalog.master_user_secret_arn
}
