-- tests/guest/fs.sh runs this with Debian's sqlite3 natively and on the
-- refkernel (a database file on the ramfs root); the outputs must be equal.
.headers on
.mode list
PRAGMA journal_mode=DELETE;
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT NOT NULL, v REAL);
CREATE TABLE tag(t_id INTEGER REFERENCES t(id), tag TEXT);
BEGIN;
INSERT INTO t(name, v) VALUES ('alpha', 1.5), ('beta', 2.5), ('gamma', 3.25);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)
	INSERT INTO t(name, v) SELECT 'row' || x, x * 0.5 FROM c;
INSERT INTO tag SELECT id, CASE id % 3 WHEN 0 THEN 'fizz' WHEN 1 THEN 'buzz' ELSE 'none' END FROM t;
COMMIT;
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(v), max(id), min(name) FROM t;
SELECT name, v FROM t WHERE name IN ('alpha', 'gamma', 'row2500') ORDER BY id;
SELECT tag, count(*) AS n FROM tag JOIN t ON t.id = tag.t_id GROUP BY tag ORDER BY tag;
BEGIN;
UPDATE t SET v = v * 2 WHERE id % 100 = 0;
DELETE FROM t WHERE id > 4000;
ROLLBACK;
SELECT count(*), sum(v) FROM t;
UPDATE t SET v = -1 WHERE name = 'beta';
DELETE FROM tag WHERE tag = 'none';
SELECT (SELECT count(*) FROM tag), (SELECT v FROM t WHERE name = 'beta');
VACUUM;
PRAGMA integrity_check;
PRAGMA journal_mode=WAL;
INSERT INTO t(name, v) VALUES ('wal', 42);
SELECT name, v FROM t WHERE name = 'wal';
PRAGMA wal_checkpoint(TRUNCATE);
PRAGMA journal_mode=DELETE;
SELECT count(*) FROM t;
