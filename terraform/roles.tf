# Who may do what with the buckets: see modules/roles for each role's statements.

module "roles" {
  source = "./modules/roles"

  name_prefix         = var.name_prefix
  backups_bucket_arn  = module.backups_bucket.arn
  exports_bucket_arn  = module.exports_bucket.arn
  evidence_bucket_arn = module.evidence_bucket.arn
  evidence_prefix     = local.evidence_prefix
  backups_key_arn     = module.backups_key.arn
  exports_key_arn     = module.exports_key.arn
  evidence_key_arn    = module.evidence_key.arn

  backup_writer_principal_arns  = var.backup_writer_principal_arns
  exports_writer_principal_arns = var.exports_writer_principal_arns
  auditor_principal_arns        = var.auditor_principal_arns

  catalog_db_resource_id = module.catalog.resource_id
  auditor_db_user        = var.auditor_db_user
}
