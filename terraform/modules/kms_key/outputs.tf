output "arn" {
  description = "ARN of the key."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "Id of the key."
  value       = aws_kms_key.this.key_id
}

output "alias" {
  description = "Full alias name of the key (alias/...)."
  value       = aws_kms_alias.this.name
}
