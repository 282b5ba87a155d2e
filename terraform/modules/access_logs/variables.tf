variable "bucket" {
  description = "Name of the access-log bucket (globally unique, 3 to 63 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "A bucket name is 3 to 63 lowercase letters, digits, '.' and '-'."
  }
}

variable "source_bucket_arns" {
  description = "ARNs of the buckets whose server access logs land here."
  type        = list(string)
}

variable "retention_days" {
  description = "Days an access log is kept before it expires."
  type        = number

  validation {
    condition     = var.retention_days >= 365
    error_message = "Access logs are evidence: keep them at least 365 days."
  }
}
