# The daily job: one EventBridge Scheduler schedule per server starts `rex run --server NAME` as
# an ECS Fargate task; the image comes from this ECR repository (built from the project's
# Dockerfile). EventBridge rules record every run's outcome, and CloudWatch alarms notify the
# alarm topic when a run fails (`rex run` exits 1 on error findings or a failed delete, 2 on bad
# input) or when no run has succeeded for `missed_run_hours`.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  container = "rex"
  family    = "${var.name_prefix}-daily"
}

# --- image -----------------------------------------------------------------------------------

resource "aws_ecr_repository" "this" {
  name                 = var.name_prefix
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the 30 newest images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 30 }
      action       = { type = "expire" }
    }]
  })
}

# --- task ------------------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = var.name_prefix

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "task" {
  name              = "/${var.name_prefix}/daily-job"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "trust_ecs_tasks" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "EcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid       = "PullTheRexImage"
    actions   = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
    resources = [aws_ecr_repository.this.arn]
  }

  statement {
    sid       = "WriteTaskLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.task.arn}:*"]
  }

  statement {
    sid       = "ReadTheCatalogPassword"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.catalog_secret_arn]
  }

  statement {
    sid       = "DecryptImageAndSecret"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role" "execution" {
  name               = "${var.name_prefix}-daily-execution"
  description        = "ECS agent for the rex daily task: pull the image, write logs, read the catalog password."
  assume_role_policy = data.aws_iam_policy_document.trust_ecs_tasks.json
}

resource "aws_iam_role_policy" "execution" {
  name   = "execution"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

resource "aws_ecs_task_definition" "this" {
  family                   = local.family
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_cpu
  memory                   = var.task_memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = var.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Scratch space for restore drills and temporary files; the root filesystem is read-only.
  volume {
    name = "scratch"
  }

  container_definitions = jsonencode([{
    name                   = local.container
    image                  = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"
    essential              = true
    readonlyRootFilesystem = true
    command                = ["--help"]
    environment            = [for name, value in var.environment : { name = name, value = value }]
    secrets                = [{ name = "PGPASSWORD", valueFrom = "${var.catalog_secret_arn}:password::" }]
    mountPoints            = [{ sourceVolume = "scratch", containerPath = "/tmp", readOnly = false }]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.task.name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = "rex"
      }
    }
  }])
}

# --- schedule --------------------------------------------------------------------------------

data "aws_iam_policy_document" "trust_scheduler" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "scheduler" {
  statement {
    sid       = "RunTheDailyTask"
    actions   = ["ecs:RunTask"]
    resources = ["${aws_ecs_task_definition.this.arn_without_revision}:*"]

    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [aws_ecs_cluster.this.arn]
    }
  }

  statement {
    sid       = "PassTheTaskRoles"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.execution.arn, var.task_role_arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "UseTheScheduleKey"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role" "scheduler" {
  name               = "${var.name_prefix}-daily-scheduler"
  description        = "EventBridge Scheduler: start the rex daily task."
  assume_role_policy = data.aws_iam_policy_document.trust_scheduler.json
}

resource "aws_iam_role_policy" "scheduler" {
  name   = "run-daily-task"
  role   = aws_iam_role.scheduler.id
  policy = data.aws_iam_policy_document.scheduler.json
}

resource "aws_scheduler_schedule" "daily" {
  for_each = toset(var.servers)

  name                         = "${var.name_prefix}-run-${each.key}"
  description                  = "rex run --server ${each.key}: sync, plan, apply"
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.schedule_timezone
  kms_key_arn                  = var.kms_key_arn

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = aws_ecs_cluster.this.arn
    role_arn = aws_iam_role.scheduler.arn
    input = jsonencode({
      containerOverrides = [{ name = local.container, command = ["run", "--server", each.key] }]
    })

    ecs_parameters {
      task_definition_arn = aws_ecs_task_definition.this.arn
      launch_type         = "FARGATE"

      network_configuration {
        subnets          = var.subnet_ids
        security_groups  = [var.security_group_id]
        assign_public_ip = false
      }
    }

    retry_policy {
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 3600
    }
  }
}

# --- outcomes and alarms ---------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "outcomes" {
  name              = "/aws/events/${var.name_prefix}/daily-job-outcomes"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

data "aws_iam_policy_document" "outcomes" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.outcomes.arn}:*"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com", "delivery.logs.amazonaws.com"]
    }
  }
}

resource "aws_cloudwatch_log_resource_policy" "outcomes" {
  policy_name     = "${var.name_prefix}-daily-job-outcomes"
  policy_document = data.aws_iam_policy_document.outcomes.json
}

locals {
  stopped_daily_task = {
    source      = ["aws.ecs"]
    detail-type = ["ECS Task State Change"]
    detail = {
      clusterArn        = [aws_ecs_cluster.this.arn]
      taskDefinitionArn = [{ prefix = "${aws_ecs_task_definition.this.arn_without_revision}:" }]
      lastStatus        = ["STOPPED"]
    }
  }
  outcome_patterns = {
    # A non-zero exit (error findings, failed deletes, crashes) or a task that never started.
    failed = merge(local.stopped_daily_task, {
      detail = merge(local.stopped_daily_task.detail, {
        "$or" = [
          { containers = { exitCode = [{ anything-but = 0 }] } },
          { stopCode = ["TaskFailedToStart"] },
        ]
      })
    })
    succeeded = merge(local.stopped_daily_task, {
      detail = merge(local.stopped_daily_task.detail, { containers = { exitCode = [0] } })
    })
  }
}

resource "aws_cloudwatch_event_rule" "outcome" {
  for_each = local.outcome_patterns

  name          = "${var.name_prefix}-daily-job-${each.key}"
  description   = "A rex daily task that ${each.key}"
  event_pattern = jsonencode(each.value)
}

resource "aws_cloudwatch_event_target" "outcome" {
  for_each = aws_cloudwatch_event_rule.outcome

  rule = each.value.name
  arn  = aws_cloudwatch_log_group.outcomes.arn
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "email" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.key
}

resource "aws_cloudwatch_metric_alarm" "job_failed" {
  alarm_name          = "${var.name_prefix}-daily-job-failed"
  alarm_description   = "A rex daily run exited non-zero (error findings, a refused delete, a crash) or did not start. See ${aws_cloudwatch_log_group.task.name}."
  namespace           = "AWS/Events"
  metric_name         = "MatchedEvents"
  dimensions          = { RuleName = aws_cloudwatch_event_rule.outcome["failed"].name }
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "job_missed" {
  alarm_name          = "${var.name_prefix}-daily-job-missed"
  alarm_description   = "No rex daily run succeeded for ${var.missed_run_hours} hours: the schedule, the image or the network is broken."
  namespace           = "AWS/Events"
  metric_name         = "MatchedEvents"
  dimensions          = { RuleName = aws_cloudwatch_event_rule.outcome["succeeded"].name }
  statistic           = "Sum"
  period              = 3600
  evaluation_periods  = var.missed_run_hours
  datapoints_to_alarm = var.missed_run_hours
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
}
