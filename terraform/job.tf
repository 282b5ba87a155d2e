# The daily job (`rex run` per server on ECS Fargate, started by EventBridge Scheduler) and its
# catalog (PostgreSQL on RDS).

resource "aws_security_group" "task" {
  #checkov:skip=CKV2_AWS_5:Attached at run time: the schedules' ECS network configuration (modules/daily_job) gives it to every daily task, which checkov does not follow.
  name        = "${var.name_prefix}-daily-task"
  description = "rex daily task: HTTPS to AWS APIs, PostgreSQL to the catalog"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_egress_rule" "task_https" {
  security_group_id = aws_security_group.task.id
  description       = "HTTPS to S3, ECR, CloudWatch Logs and Secrets Manager (through NAT or VPC endpoints)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "task_catalog" {
  security_group_id            = aws_security_group.task.id
  description                  = "PostgreSQL to the catalog"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = module.catalog.security_group_id
}

module "catalog" {
  source = "./modules/catalog"

  identifier               = "${var.name_prefix}-catalog"
  vpc_id                   = var.vpc_id
  subnet_ids               = var.private_subnet_ids
  client_security_group_id = aws_security_group.task.id
  kms_key_arn              = module.operations_key.arn
  logs_kms_key_arn         = module.operations_key.arn
  engine_version           = var.catalog_engine_version
  instance_class           = var.catalog_instance_class
  allocated_storage        = var.catalog_allocated_storage
  multi_az                 = var.catalog_multi_az
  backup_retention_days    = var.catalog_backup_retention_days
  log_retention_days       = var.log_retention_days
}

module "daily_job" {
  source = "./modules/daily_job"

  name_prefix         = var.name_prefix
  servers             = var.servers
  schedule_expression = var.schedule_expression
  schedule_timezone   = var.policy_timezone
  image_tag           = var.image_tag
  task_cpu            = var.task_cpu
  task_memory         = var.task_memory
  subnet_ids          = var.private_subnet_ids
  security_group_id   = aws_security_group.task.id
  task_role_arn       = module.roles.retention_job_role_arn
  catalog_secret_arn  = module.catalog.master_user_secret_arn
  kms_key_arn         = module.operations_key.arn
  log_retention_days  = var.log_retention_days
  missed_run_hours    = var.missed_run_hours
  alarm_emails        = var.alarm_emails

  # The password is not in the URL: libpq reads PGPASSWORD, which the task gets from the secret.
  environment = {
    REX_POLICY   = var.policy_name
    REX_STORAGE  = local.storage_url
    REX_EXPORTS  = local.exports_url
    REX_EVIDENCE = local.evidence_url
    REX_CATALOG  = "postgresql+psycopg://${module.catalog.username}@${module.catalog.address}:${module.catalog.port}/${module.catalog.database}?sslmode=require"
    REX_ACTOR    = "rex-daily-job"
    AWS_REGION   = var.region
  }
}
