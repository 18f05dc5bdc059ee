-- Crypto-shredding of accounts (issue 19): the `credentials` table is the accounts' directory, the
-- one place that holds an account's e-mail address and name in plain text for sign-in, password
-- reset and the staff's account list (the log holds them sealed with the account's key, see
-- 0028). Erasing an account's personal data blanks its row: the address becomes `erased:<user id>`
-- (so the UNIQUE index still holds and the address is free again), the name 「削除済み」, the
-- password hash empty (nothing verifies against it), and `erased_at` says when; its sessions are
-- revoked and its pending links deleted (app/src/auth/directory.rs).
ALTER TABLE credentials ADD COLUMN erased_at text;
