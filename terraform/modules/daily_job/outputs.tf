output "ecr_repository_url" {
  description = "Push the image built from the project's Dockerfile here, tagged with image_tag."
  value       = aws_ecr_repository.this.repository_url
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "task_definition_arn" {
  description = "ARN of the daily task definition (also used for one-off runs such as `rex db upgrade`)."
  value       = aws_ecs_task_definition.this.arn
}

output "log_group" {
  description = "CloudWatch log group with the output of every run."
  value       = aws_cloudwatch_log_group.task.name
}

output "alarm_topic_arn" {
  description = "SNS topic the job alarms notify."
  value       = aws_sns_topic.alarms.arn
}

output "schedule_names" {
  description = "EventBridge Scheduler schedules, by server."
  value       = { for server, schedule in aws_scheduler_schedule.daily : server => schedule.name }
}
