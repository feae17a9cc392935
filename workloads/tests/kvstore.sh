#!/bin/sh
# kvstore.sh: the kvstore workload over loopback, driven by the real Redis
# clients: every command round-trips through redis-cli with the reply Redis
# gives; raw RESP/inline input (pipelining, protocol errors) via rawtcp;
# limits (maxmemory, query buffer, clients, idle timeout); bounded
# redis-benchmark runs whose figures are printed as "# ukbench: result".
. "$(dirname "$0")/lib.sh"
plan 38
R=$T/rawtcp

if ! command -v redis-cli >/dev/null || ! command -v redis-benchmark >/dev/null; then
	for i in $(seq 1 38); do skip "kvstore test $i" "redis-tools not installed"; done
	finish
fi

# cli EXPECTED ARGS...: redis-cli output (raw mode, lines) must equal EXPECTED
cli() {
	want=$1; shift
	got=$(timeout 5 redis-cli -p "$PORT" "$@" 2>&1)
	[ "$got" = "$want" ] || { echo "redis-cli $(echo "$*" | cut -c1-60): got [$(echo "$got" | cut -c1-80)] want [$(echo "$want" | cut -c1-80)]"; return 1; }
}
raw() { d=$1; shift; timeout 20 "$R" --port "$PORT" --data "$d" "$@" > "$TMP/raw"; rst=$?; }
nl='
'

# bench NAME ARGS: bounded redis-benchmark; every test must report a rate
bench() {
	d=$1; shift
	timeout 90 redis-benchmark -p "$PORT" "$@" -q > "$TMP/bench" 2>&1
	st=$?
	tr '\r' '\n' < "$TMP/bench" | grep 'requests per second' > "$TMP/rates"
	sed -n 's/^\([A-Z_]*\)[^:]*: \([0-9.]*\) requests per second.*/# ukbench: result kvstore_\1 ops_per_s \2/p' "$TMP/rates" | tr 'A-Z' 'a-z' | sed 's/# ukbench/# ukbench/'
	check "$d" eval '[ $st -eq 0 ] && [ $(wc -l < "$TMP/rates") -eq $want_rates ] && ! grep -qi "error" "$TMP/bench"'
}

if ! start_server kvstore --timeout 3 --max-output 1m; then
	report 1 "kvstore starts"; finish
fi
report 0 "kvstore starts and prints its ready line"

check "PING, PING msg, ECHO" eval 'cli PONG ping && cli hi ping hi && cli "a b" echo "a b"'
check "SET/GET, GET of a missing key is nil" eval 'cli OK set k1 v1 && cli v1 get k1 && cli "" get nokey'
check "SET NX / XX / GET options" eval 'cli "" set k1 x nx && cli OK set k2 y nx && cli "" set k3 z xx && cli OK set k2 w xx && cli w get k2 && cli w set k2 q get && cli q get k2'
check "SET EX/PX set TTL/PTTL; bad expire times are errors" eval '
	cli OK set t1 v ex 100 && cli 100 ttl t1 && cli OK set t2 v px 5000 &&
	[ "$(redis-cli -p $PORT pttl t2)" -gt 4000 ] &&
	cli "ERR invalid expire time in '"'"'set'"'"' command" set t3 v ex 0 &&
	cli "ERR value is not an integer or out of range" set t3 v ex abc &&
	cli "ERR syntax error" set t3 v nx xx'
check "keys set with PX 200 are gone after 400 ms" eval 'cli OK set e1 v px 200 && sleep 0.4 && cli "" get e1 && cli 0 exists e1'
check "DEL and EXISTS count keys (duplicates too)" eval 'cli OK mset d1 1 d2 2 && cli 3 exists d1 d2 d1 nokey && cli 2 del d1 d2 nokey && cli 0 exists d1 d2'
check "INCR/DECR/INCRBY/DECRBY and their errors" eval '
	cli 1 incr n && cli 11 incrby n 10 && cli 10 decr n && cli 0 decrby n 10 &&
	cli OK set s abc && cli "ERR value is not an integer or out of range" incr s &&
	cli OK set big 9223372036854775807 && cli "ERR increment or decrement would overflow" incr big &&
	cli "ERR value is not an integer or out of range" incrby n 1x'
check "MSET/MGET, MSET with an odd count is an arity error" eval '
	cli OK mset a 1 b 2 c 3 && cli "1${nl}2${nl}${nl}3" mget a b nokey c &&
	cli "ERR wrong number of arguments for '"'"'mset'"'"' command" mset a 1 b'
check "EXPIRE/PEXPIRE/TTL/PTTL/PERSIST" eval '
	cli -2 ttl nokey && cli -1 ttl a && cli 1 expire a 50 && cli 50 ttl a && cli 1 persist a && cli -1 ttl a &&
	cli 0 expire nokey 10 && cli 1 pexpire b 100000 && cli 100 ttl b && cli 1 expire c -1 && cli 0 exists c'
check "DBSIZE and FLUSHALL" eval '[ "$(redis-cli -p $PORT dbsize)" -gt 5 ] && cli OK flushall && cli 0 dbsize && cli "" get a'
check "INFO reports clients, memory, stats and the keyspace" eval '
	cli OK set x 1 && redis-cli -p $PORT info > "$TMP/info" &&
	grep -q "^connected_clients:1" "$TMP/info" && grep -q "^used_memory:[1-9]" "$TMP/info" &&
	grep -q "^db0:keys=1,expires=0" "$TMP/info" && grep -q "^total_commands_processed:[1-9]" "$TMP/info"'
check "CONFIG GET save/appendonly (what redis-benchmark asks)" eval '
	cli "save" config get save && cli "appendonly${nl}no" config get appendonly &&
	cli "" config get nosuchparam'
check "COMMAND COUNT / COMMAND INFO / COMMAND DOCS" eval '
	[ "$(redis-cli -p $PORT command count)" -ge 20 ] && redis-cli -p $PORT command info get | head -n1 | grep -qx get && cli "" command docs'
check "SELECT 0 works, SELECT 1 is out of range" eval 'cli OK select 0 && cli "ERR DB index is out of range" select 1'
check "unknown command and wrong arity errors use Redis wording" eval '
	cli "ERR unknown command '"'"'nosuch'"'"', with args beginning with: '"'"'a'"'"' '"'"'b'"'"' " nosuch a b &&
	cli "ERR wrong number of arguments for '"'"'get'"'"' command" get a b'
raw "PING\r\nSET \"in line\" 'v v'\r\nGET \"in line\"\r\n" --idle-ms 300
check "inline commands with quotes" eval 'tr -d "\r" < "$TMP/raw" | tr "\n" "|" | grep -qx "+PONG|+OK|\$3|v v|"'
raw '*1\r\n$4\r\nPING\r\n' --repeat 1000 --idle-ms 300
check "1000 pipelined PINGs in one write: 1000 PONGs" eval '[ $(grep -c "^+PONG" "$TMP/raw") -eq 1000 ]'
raw '*3\r\n$3\r\nSET\r\n$2\r\npk\r\n$3\r\nabc\r\n*2\r\n$3\r\nGET\r\n$2\r\npk\r\n' --repeat 50 --chunk 1 --idle-ms 500
check "100 pipelined commands fed one byte at a time" eval '[ $(grep -c "^+OK" "$TMP/raw") -eq 50 ] && [ $(grep -c "^abc" "$TMP/raw") -eq 50 ]'
raw 'QUIT\r\nPING\r\n'
check "QUIT replies +OK and closes (later commands unanswered)" eval '[ $rst -eq 0 ] && [ "$(tr -d "\r" < "$TMP/raw")" = "+OK" ]'
raw '*1\r\n$-5\r\n'
check "negative bulk length: protocol error, closed" eval '[ $rst -eq 0 ] && grep -q "^-ERR Protocol error: invalid bulk length" "$TMP/raw"'
raw '*1\r\n*1\r\n$4\r\nPING\r\n'
check "nested array: protocol error, closed" eval "[ \$rst -eq 0 ] && grep -q \"^-ERR Protocol error: expected '\\\$', got '\\*'\" \"\$TMP/raw\""
raw '*2147483648\r\n'
check "huge multibulk count: protocol error, closed" eval '[ $rst -eq 0 ] && grep -q "^-ERR Protocol error: invalid multibulk length" "$TMP/raw"'
raw '*1\r\n$1073741824\r\n'
check "huge bulk length (> max-bulk): protocol error, closed" eval '[ $rst -eq 0 ] && grep -q "^-ERR Protocol error: invalid bulk length" "$TMP/raw"'
raw "$(head -c 70000 /dev/zero | tr '\0' a)"
check "70000-byte inline line: too big inline request, closed" eval '[ $rst -eq 0 ] && grep -q "^-ERR Protocol error: too big inline request" "$TMP/raw"'
raw '*1\r\n$4\r\nPI' --idle-ms 6000 --max-ms 8000
check "a stalled half command is closed by the 3 s idle timeout" [ "$rst" -eq 0 ]
for i in 1 2 3; do timeout 5 "$R" --port "$PORT" --data '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000\r\nabc' --idle-ms 10 >/dev/null; done
check "still serving after abrupt disconnects mid-command" cli PONG ping
head -c 200000 /dev/zero | tr '\0' v | timeout 5 redis-cli -p "$PORT" -x set bigv >/dev/null
timeout 10 redis-cli -p "$PORT" mget $(for i in $(seq 1 20); do echo bigv; done) > "$TMP/mget" 2>&1
check "a 4 MB reply over --max-output 1m: that client is closed, others served" eval \
	'[ "$(redis-cli -p $PORT get bigv | wc -c)" -eq 200001 ] && cli PONG ping && [ $(wc -c < "$TMP/mget") -lt 2000000 ]'

want_rates=6
bench "redis-benchmark -t ping,set,get,incr,mset -n 100000 -P 16: all ran, no errors" -t ping,set,get,incr,mset -n 100000 -P 16
check "the values redis-benchmark wrote read back" eval '[ "$(redis-cli -p $PORT get key:__rand_int__ | wc -c)" -eq 4 ] && [ "$(redis-cli -p $PORT get counter:__rand_int__)" -ge 100000 ]'
want_rates=2
bench "redis-benchmark -t set,get -r 100000 -n 100000 -P 16 (keyspace grows through rehashes)" -t set,get -r 100000 -n 100000 -P 16
check "DBSIZE > 50000 after random-key SETs; FLUSHALL gives the memory back" eval '
	[ "$(redis-cli -p $PORT dbsize)" -gt 50000 ] && cli OK flushall &&
	[ "$(redis-cli -p $PORT info | tr -d "\r" | sed -n "s/^used_memory://p")" -lt 1000 ]'
stop_server
check "SIGTERM: clean exit 0" [ $? -eq 0 ]

if start_server kvstore --poll --maxmemory 64k --max-conns 3 --command-timeout 2; then
	want_rates=2
	bench "poll backend: redis-benchmark -t set,get -n 20000 -P 16 -c 2" -t set,get -n 20000 -P 16 -c 2
	t0=$(date +%s)
	timeout 10 "$R" --port "$PORT" --chunk 1 --delay-ms 500 --data '*2\r\n$4\r\nECHO\r\n$40\r\nabcdefghijklmnopqrstuvwxyzabcdefghijklmn' --max-ms 9000 > "$TMP/slow"
	st=$?; t1=$(date +%s)
	check "slow sender (1 byte / 500 ms, --command-timeout 2): closed within 5 s" eval '[ $st -eq 0 ] && [ $((t1 - t0)) -le 5 ]'
	i=0; while [ $i -lt 40 ] && cli OK set "big$i" "$(head -c 4000 /dev/zero | tr "\0" x)" >/dev/null; do i=$((i + 1)); done
	check "maxmemory 64k: writes get the OOM error, reads still work, DEL frees" eval '
		[ $i -lt 40 ] && cli "OOM command not allowed when used memory > '"'"'maxmemory'"'"'." set more v &&
		[ "$(redis-cli -p $PORT get big0 | wc -c)" -eq 4001 ] && cli OK flushall && cli OK set more v'
	timeout 10 "$R" --port "$PORT" --data "" --idle-ms 2000 >/dev/null &
	timeout 10 "$R" --port "$PORT" --data "" --idle-ms 2000 >/dev/null &
	timeout 10 "$R" --port "$PORT" --data "" --idle-ms 2000 >/dev/null &
	sleep 0.5
	raw 'PING\r\n'
	check "client limit: the 4th client gets 'max number of clients reached'" grep -q "^-ERR max number of clients reached" "$TMP/raw"
	stop_server; st=$?
	check "poll backend: clean exit" [ $st -eq 0 ]
else
	report 1 "poll kvstore starts"; report 1 "oom"; report 1 "limit"; report 1 "exit"
fi
finish
