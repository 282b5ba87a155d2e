output "address" {
  description = "Host name of the catalog database."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the catalog database."
  value       = aws_db_instance.this.port
}

output "database" {
  description = "Name of the catalog database."
  value       = local.database
}

output "username" {
  description = "Master user name (its password is in the managed secret)."
  value       = local.username
}

output "master_user_secret_arn" {
  description = "ARN of the Secrets Manager secret RDS manages for the master user."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "resource_id" {
  description = "Resource id (db-...) of the instance, for rds-db:connect policies."
  value       = aws_db_instance.this.resource_id
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.this.id
}
