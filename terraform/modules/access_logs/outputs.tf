output "id" {
  description = "Name of the access-log bucket."
  value       = aws_s3_bucket.this.id
}

output "arn" {
  description = "ARN of the access-log bucket."
  value       = aws_s3_bucket.this.arn
}
