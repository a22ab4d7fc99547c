-- A planned move (`baton move`): the target node and the epoch the move was asked at, both null
-- when none. Agents of an older version neither read nor write these columns: their settings
-- writes leave a planned move as it is.
ALTER TABLE service_settings ADD COLUMN move_to text;
ALTER TABLE service_settings ADD COLUMN move_epoch bigint;
