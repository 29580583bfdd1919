-- Reads one caller's ledger record at once: the record, the scopes granted and used, and the
-- credentials (the keys of ledger.lua), each as HGETALL would answer. Writes nothing.
--
-- KEYS[1]  the record   KEYS[2] scopes granted   KEYS[3] scopes used   KEYS[4] credentials

return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]),
  redis.call('HGETALL', KEYS[4])}
