output "backup_writer_role_arn" {
  description = "ARN of the backup writer role (barman-cloud: put and list, no delete)."
  value       = aws_iam_role.backup_writer.arn
}

output "retention_job_role_arn" {
  description = "ARN of the retention job role (the daily task's role)."
  value       = aws_iam_role.retention_job.arn
}

output "exports_writer_role_arn" {
  description = "ARN of the exports writer role (offboarding bundles)."
  value       = aws_iam_role.exports_writer.arn
}

output "auditor_role_arn" {
  description = "ARN of the read-only auditor role."
  value       = aws_iam_role.auditor.arn
}
