variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
}

variable "servers" {
  description = "barman-cloud server names under the storage prefix; one scheduled `rex run --server NAME` each."
  type        = list(string)
}

variable "schedule_expression" {
  description = "When the daily job runs (EventBridge Scheduler cron() or rate() expression)."
  type        = string
}

variable "schedule_timezone" {
  description = "IANA time zone of the schedule expression (the policy's calendar)."
  type        = string
}

variable "image_tag" {
  description = "Tag of the rex image in the ECR repository."
  type        = string
}

variable "task_cpu" {
  description = "Fargate CPU units of the task."
  type        = number
}

variable "task_memory" {
  description = "Fargate memory of the task in MiB."
  type        = number
}

variable "subnet_ids" {
  description = "Private subnets the task runs in (with a route to S3, ECR, CloudWatch Logs and Secrets Manager)."
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the task."
  type        = string
}

variable "task_role_arn" {
  description = "IAM role the task's code runs as (the retention job role)."
  type        = string
}

variable "environment" {
  description = "Environment of the rex container (REX_STORAGE, REX_CATALOG, ...)."
  type        = map(string)
}

variable "catalog_secret_arn" {
  description = "Secrets Manager secret (RDS managed) whose password becomes PGPASSWORD."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for the ECR repository, logs, the alarm topic, the schedule and the catalog secret."
  type        = string
}

variable "log_retention_days" {
  description = "Days the job's logs and run outcomes are kept."
  type        = number
}

variable "missed_run_hours" {
  description = "Hours without a successful run after which the missed-run alarm fires."
  type        = number
}

variable "alarm_emails" {
  description = "E-mail addresses subscribed to the alarm topic."
  type        = list(string)
}
