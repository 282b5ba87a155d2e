variable "alias" {
  description = "Alias of the key, without the \"alias/\" prefix."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9/_-]{1,200}$", var.alias)) && !startswith(var.alias, "aws/")
    error_message = "The alias is letters, digits, '/', '_' and '-', and must not start with \"aws/\"."
  }
}

variable "description" {
  description = "What the key protects, shown in the KMS console."
  type        = string
}

variable "service_principals" {
  description = "AWS service principals (e.g. \"cloudwatch.amazonaws.com\" for alarms publishing to an encrypted SNS topic) that may decrypt and generate data keys."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.service_principals : endswith(p, ".amazonaws.com")])
    error_message = "Service principals end in \".amazonaws.com\"."
  }
}

variable "deletion_window_in_days" {
  description = "Days a scheduled key deletion waits before the key is gone (7 to 30)."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "The deletion window is 7 to 30 days."
  }
}

variable "allow_cloudwatch_logs" {
  description = "Let CloudWatch Logs in this region use the key for this account's log groups."
  type        = bool
  default     = false
}
