provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Application = "rex"
      Policy      = var.policy_name
      PolicySha   = substr(var.policy_sha256, 0, 12)
      ManagedBy   = "terraform"
    }
  }
}
