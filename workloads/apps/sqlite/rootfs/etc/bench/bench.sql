-- The sqlite workload: 50000 inserts in 5 transactions, 50000 indexed
-- lookups, one aggregate = 100001 operations (app.conf "ops"). The same
-- script and output on every target; .timer times each statement inside
-- the guest ("Run Time: real S ...", summed by ukbench).
.bail on
.timer on
PRAGMA synchronous = NORMAL;
CREATE TABLE kv(k INTEGER PRIMARY KEY, v TEXT NOT NULL, n INTEGER NOT NULL);
CREATE INDEX kv_n ON kv(n);
BEGIN;
WITH RECURSIVE c(x) AS (VALUES(1) UNION ALL SELECT x + 1 FROM c WHERE x < 10000)
INSERT INTO kv SELECT x, printf('value-%08d', x * 7919 % 100003), x * 7919 % 100003 FROM c;
COMMIT;
BEGIN;
WITH RECURSIVE c(x) AS (VALUES(10001) UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
INSERT INTO kv SELECT x, printf('value-%08d', x * 7919 % 100003), x * 7919 % 100003 FROM c;
COMMIT;
BEGIN;
WITH RECURSIVE c(x) AS (VALUES(20001) UNION ALL SELECT x + 1 FROM c WHERE x < 30000)
INSERT INTO kv SELECT x, printf('value-%08d', x * 7919 % 100003), x * 7919 % 100003 FROM c;
COMMIT;
BEGIN;
WITH RECURSIVE c(x) AS (VALUES(30001) UNION ALL SELECT x + 1 FROM c WHERE x < 40000)
INSERT INTO kv SELECT x, printf('value-%08d', x * 7919 % 100003), x * 7919 % 100003 FROM c;
COMMIT;
BEGIN;
WITH RECURSIVE c(x) AS (VALUES(40001) UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
INSERT INTO kv SELECT x, printf('value-%08d', x * 7919 % 100003), x * 7919 % 100003 FROM c;
COMMIT;
WITH RECURSIVE c(x) AS (VALUES(1) UNION ALL SELECT x + 1 FROM c WHERE x < 50000)
SELECT count(v), sum(length(v)) FROM c LEFT JOIN kv ON kv.n = c.x * 13 % 100003;
SELECT n % 10, count(*), sum(n) FROM kv GROUP BY 1 ORDER BY 1;
