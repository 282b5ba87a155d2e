variable "bucket" {
  description = "Name of the bucket (globally unique, 3 to 63 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "A bucket name is 3 to 63 lowercase letters, digits, '.' and '-'."
  }
}

variable "purpose" {
  description = "What the bucket holds, for its tags (backups, exports, evidence)."
  type        = string
}

variable "kms_key_arn" {
  description = "ARN of the customer-managed KMS key for default SSE-KMS encryption."
  type        = string
}

variable "object_lock_mode" {
  description = "Mode of the bucket's default Object Lock retention: GOVERNANCE or COMPLIANCE."
  type        = string

  validation {
    condition     = contains(["GOVERNANCE", "COMPLIANCE"], var.object_lock_mode)
    error_message = "Object Lock mode is GOVERNANCE or COMPLIANCE."
  }
}

variable "object_lock_days" {
  description = "Days of the bucket's default Object Lock retention, applied to every new object version."
  type        = number

  validation {
    condition     = var.object_lock_days >= 1 && floor(var.object_lock_days) == var.object_lock_days
    error_message = "Object Lock retention is a whole number of days, at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Safety net: days after which a noncurrent version (left by an overwrite or a delete without version id) expires. Locked versions are never expired by lifecycle."
  type        = number

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "The safety net is at least 1 day."
  }
}

variable "access_log_bucket" {
  description = "Name of the bucket that receives this bucket's S3 server access logs."
  type        = string
}

variable "tags" {
  description = "Tags for the bucket, on top of the provider's default tags."
  type        = map(string)
  default     = {}
}
