-- Services that run as instances (services.<name>.instances) are stored as services of their own,
-- named SERVICE@INSTANCE, each part a name of the usual rule. The service columns' checks accept
-- that form too; every name they accepted before still passes. Agents of an older version refuse
-- such names when they read them (docs/upgrading.md).
ALTER TABLE service_status DROP CONSTRAINT service_status_service_check,
  ADD CONSTRAINT service_status_service_check
    CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}(@[a-z0-9][a-z0-9._-]{0,62})?$');
ALTER TABLE provider_state DROP CONSTRAINT provider_state_service_check,
  ADD CONSTRAINT provider_state_service_check
    CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}(@[a-z0-9][a-z0-9._-]{0,62})?$');
ALTER TABLE service_settings DROP CONSTRAINT service_settings_service_check,
  ADD CONSTRAINT service_settings_service_check
    CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}(@[a-z0-9][a-z0-9._-]{0,62})?$');
ALTER TABLE decision DROP CONSTRAINT decision_service_check,
  ADD CONSTRAINT decision_service_check
    CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}(@[a-z0-9][a-z0-9._-]{0,62})?$');
