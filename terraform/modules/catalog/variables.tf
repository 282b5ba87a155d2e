variable "identifier" {
  description = "Identifier of the RDS instance."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the instance."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets (at least two Availability Zones) for the DB subnet group."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "Security group of the clients (the daily task) allowed to connect on 5432."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for storage, Performance Insights and the managed master password secret."
  type        = string
}

variable "engine_version" {
  description = "PostgreSQL major version."
  type        = string
}

variable "instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "allocated_storage" {
  description = "Allocated storage in GiB."
  type        = number
}

variable "multi_az" {
  description = "Run a standby in a second Availability Zone."
  type        = bool
}

variable "backup_retention_days" {
  description = "Days RDS keeps automated backups of the catalog (which holds the ledger)."
  type        = number
}

variable "log_retention_days" {
  description = "Days the exported PostgreSQL logs are kept in CloudWatch Logs."
  type        = number
}

variable "logs_kms_key_arn" {
  description = "KMS key of the CloudWatch log groups."
  type        = string
}
