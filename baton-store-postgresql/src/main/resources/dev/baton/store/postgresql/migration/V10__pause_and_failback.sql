-- Maintenance and failback (`baton pause`, `baton failback`): when an operator paused the service
-- (null: not paused), the failback policy ('sticky' or 'rank'; null reads as sticky, as rows of
-- older agents do) and its delay in milliseconds (null: the default).
ALTER TABLE service_settings ADD COLUMN paused_since timestamptz;
ALTER TABLE service_settings ADD COLUMN failback text CHECK (failback IN ('sticky', 'rank'));
ALTER TABLE service_settings ADD COLUMN failback_delay_ms bigint CHECK (failback_delay_ms > 0);
