-- Crypto-shredding (issue 19, docs/verification.md): one key per data subject (`group:<id>`), with
-- which the event store seals the subject's personal fields before they enter an event and opens
-- them on load (app/src/personal). The keys are never in the log. Erasure destroys the key (`key`
-- becomes NULL, `erased_at` says when) and the group records `PersonalDataErased`: the sealed
-- fields stay in the log, so every hash, head and proof still verifies, but can no longer be read.
-- A backup keeps the keys it was taken with: erasure reaches into backups only as they expire.
CREATE TABLE personal_data_keys
(
    subject    text NOT NULL PRIMARY KEY,
    key        blob,
    created_at text NOT NULL,
    erased_at  text
);
