-- The HTML pages' server keys: a form's CSRF token is an HMAC under the key named 'csrf'. The first
-- instance to need a key inserts a random one; every instance then reads the same row, so a form
-- rendered by one instance is accepted by another and by the next release.
CREATE TABLE web_keys
(
  name   text NOT NULL PRIMARY KEY,
  secret text NOT NULL
) STRICT;
