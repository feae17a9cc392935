#!/bin/sh
# report.sh: what people look at, end to end, TAP on stdout: report.html
# rendered by headless Chromium (DOM checked for the table rows and the plots,
# a screenshot kept in build/test-results/), report.html self-contained, pcap
# traces read by tcpdump (the first SYN of the httpd trace; the 2 MiB head
# bound on a stream run), compare (a set against itself: 0; one metric
# doubled: flagged, 3; nothing in common: 2) and sets cut short.
# Every step is bounded by `timeout`; namespaces are the harness's own.
set -u
tmp=$(mktemp -d /tmp/ukb-rep.XXXXXX)
. "$(dirname "$0")/tap.sh"
RES=$BUILD/test-results
chrome() {	# chrome OUTFLAG URL: Debian's chromium, headless, a fresh profile, no network
	timeout -k 5 90 chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --disable-quic \
		--user-data-dir="$(mktemp -d "$tmp/chrome.XXXXXX")" "$@" 2>>"$tmp/chrome.err"
}

echo "1..14"

# ---- a result set with two targets, a latency CDF and a failure ----
mkdir -p "$RES"
if [ -x "$BUILD/workloads/hello" ] && [ -x "$BUILD/workloads/echo" ] && command -v qemu-system-x86_64 >/dev/null; then
	cat >"$tmp/set.ini" <<EOT
[experiment]
name = rep
reps = 6
warmup = 0
accel = tcg
timeout = 20
duration = 1
[target null-guest]
kind = qemu-image
kernel = $BUILD/harness/null.elf
[run a]
targets = native, null-guest
workloads = hello
[run b]
targets = native
workloads = echo
[run c]
targets = native
workloads = hello
args = 7
reps = 1
EOT
	status env UKBENCH_NET=user "$UK" bench -o "$tmp/s1" "$tmp/set.ini"
	bst=$st
	status "$UK" report --html "$tmp/s1"
	if [ $bst = 1 ] && [ $st = 0 ] && [ "$(cat "$tmp/out")" = "$tmp/s1/report.html" ] && [ -s "$tmp/s1/report.html" ]; then
		ok "report --html writes DIR/report.html and prints its path"
	else
		nok "report --html (bench $bst, report $st)" "$tmp/err"
	fi
	# summary.json: the rows of summary.csv
	if command -v python3 >/dev/null; then
		python3 - "$tmp/s1" >"$tmp/py" 2>&1 <<'EOT'
import csv, json, sys
d = sys.argv[1]
rows = json.load(open(d + "/summary.json"))["rows"]
csvrows = list(csv.DictReader(open(d + "/summary.csv")))
assert len(rows) == len(csvrows) > 0, (len(rows), len(csvrows))
for j, c in zip(rows, csvrows):
    assert (j["job"], j["target"], j["workload"], j["metric"]) == (c["job"], c["target"], c["workload"], c["metric"])
    assert abs(j["median"] - float(c["median"])) <= 1e-6 * max(1, abs(j["median"])) and j["n"] == int(c["n"])
EOT
		[ $? = 0 ] && ok "summary.json holds the rows of summary.csv" || nok "summary.json" "$tmp/py"
	else
		skip "summary.json holds the rows of summary.csv" "python3 missing"
	fi
	# nothing outside the page: no src, no stylesheet, no url(), no script, no http(s)
	h="$tmp/s1/report.html"
	if ! grep -qiE '<script|<link|<img|<iframe|<object|@import|src=|url\((["'\'']?)[^#"'\'' )]' "$h" &&
		! grep -oiE '(href|xlink:href)=["'\''][^"'\'']*' "$h" | grep -qvE '=["'\'']#' &&
		! grep -qiE '(href|src)=["'\'']?(https?|file|//)' "$h"; then
		ok "report.html references nothing outside itself (every link is #in-page)"
	else
		nok "report.html references outside itself: $(grep -oiE '(src|href|xlink:href)=["'\''][^#][^"'\'']*' "$h" | head -3)"
	fi
	if command -v chromium >/dev/null; then
		chrome --dump-dom "file://$h" >"$tmp/dom.html"
		rows=$(grep -o '<tr class="row[ "]' "$tmp/dom.html" | wc -l)
		want=$(awk -F, 'NR > 1 {k = $4 "," $5; if (!(k in s)) {s[k] = 1; c++}} END {print c}' "$tmp/s1/summary.csv")
		plots=$(grep -o '<figure class="plot' "$tmp/dom.html" | wc -l)
		svgs=$(grep -o '<svg' "$tmp/dom.html" | wc -l)
		metrics=$(cut -d, -f5 "$tmp/s1/summary.csv" | tail -n +2 | sort -u | wc -l)
		if [ "$rows" -ge "$want" ] && [ "$want" -gt 0 ] && [ "$plots" = $((metrics + 1)) ] && [ "$svgs" -ge "$plots" ]; then
			ok "Chromium renders report.html: $rows table rows (>= $want), $plots plots ($metrics metrics + 1 CDF)"
		else
			nok "Chromium DOM: rows $rows (want >= $want), plots $plots (want $((metrics + 1))), svgs $svgs" "$tmp/chrome.err"
		fi
		grep -q 'class="fail">failed: [^<]*status 7' "$tmp/dom.html" && grep -q 'href="#log-0">logs/native-hello-rep1.log' "$tmp/dom.html" &&
			grep -q '<details id="log-0">' "$tmp/dom.html" &&
			ok "failures highlighted with their reason and a link to the kept log" || nok "failures in the DOM"
		grep -q 'id="how-boot_to_ready">' "$tmp/dom.html" && grep -q 'until the workload is usable from outside' "$tmp/dom.html" &&
			grep -q '<table id="jobs">' "$tmp/dom.html" && grep -q 'image_sha256\|sha256 <code>[0-9a-f]\{64\}' "$tmp/dom.html" &&
			ok "how to read each metric (from methodology.md) and meta.json's jobs with sha256" || nok "how-to-read and meta.json in the DOM"
		rm -f "$RES/report-screenshot.png"
		chrome --window-size=1200,1800 --screenshot="$RES/report-screenshot.png" "file://$h" >/dev/null
		[ "$(head -c 4 "$RES/report-screenshot.png" 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ] &&
			[ "$(wc -c <"$RES/report-screenshot.png")" -gt 20000 ] &&
			ok "screenshot kept: build/test-results/report-screenshot.png" || nok "screenshot" "$tmp/chrome.err"
	else
		for d in "Chromium DOM" "failures in the DOM" "how to read" screenshot; do skip "$d" "chromium missing (scripts/deps.txt)"; done
	fi
	# ---- compare ----
	status "$UK" compare "$tmp/s1" "$tmp/s1"
	[ $st = 0 ] && ! grep -q 'WORSE\|better:' "$tmp/out" && grep -q '^| a | native | hello | boot_to_ready |' "$tmp/out" &&
		ok "compare of a set against itself: exit 0, nothing flagged" || nok "compare self (got $st)" "$tmp/err"
	cp -r "$tmp/s1" "$tmp/s2"
	# null-guest's boot: narrow enough that doubling separates the samples
	awk -F, -v OFS=, 'NR > 1 && $2 == "a" && $3 == "null-guest" && $5 == "boot_to_ready" {$8 = $8 * 2} {print}' \
		"$tmp/s1/samples.csv" >"$tmp/s2/samples.csv"
	status "$UK" compare --html "$tmp/cmp.html" "$tmp/s1" "$tmp/s2"
	flagged=$(grep -c 'WORSE' "$tmp/out")
	[ $st = 3 ] && [ "$flagged" = 1 ] && grep -q '^| a | null-guest | hello | boot_to_ready |.*| ×2 |.*| WORSE: slower |' "$tmp/out" &&
		grep -q 'class="worse"' "$tmp/cmp.html" &&
		ok "compare with one metric's samples doubled: that metric flagged slower, exit 3, --html page" ||
		nok "compare doubled (got $st, $flagged flagged)" "$tmp/out"
	mkdir -p "$tmp/s3" && printf 'experiment,job,target,workload,metric,unit,rep,value\nx,z,other,thing,req_per_s,1/s,1,5\n' >"$tmp/s3/samples.csv"
	sed 's/"cpu": "[^"]*"/"cpu": "Another CPU"/' "$tmp/s1/meta.json" >"$tmp/s2/meta.json"
	status "$UK" compare "$tmp/s1" "$tmp/s3"; st3=$st
	status "$UK" compare "$tmp/s1" "$tmp/s2"
	[ $st3 = 2 ] && [ $st = 3 ] && grep -q 'warning: different hosts: cpu' "$tmp/err" &&
		ok "compare: nothing in common says so and exits 2; a different host is warned about" || nok "compare no common ($st3) / host warning" "$tmp/err"
	# ---- a set cut short: reports what it has, names what is missing ----
	cp -r "$tmp/s1" "$tmp/s4"
	rm "$tmp/s4/meta.json" "$tmp/s4/summary.csv"
	head -c -20 "$tmp/s1/samples.csv" >"$tmp/s4/samples.csv"
	status "$UK" report "$tmp/s4"; st1=$st; cp "$tmp/out" "$tmp/out1"
	status "$UK" report --html "$tmp/s4"
	[ $st1 = 0 ] && [ $st = 0 ] && grep -q 'Incomplete result set: summary.csv missing, summarised from samples.csv (cut-off lines skipped); meta.json missing' "$tmp/out1" &&
		grep -q '^| hello \[a\] | boot_to_ready |' "$tmp/out1" && grep -q 'id="missing"' "$tmp/s4/report.html" &&
		ok "a set cut short still reports (markdown and HTML) and names what is missing" || nok "set cut short ($st1, $st)" "$tmp/out1"
else
	for d in 1 2 3 4 5 6 7 8 9 10 11; do skip "report test $d" "needs build/workloads/{hello,echo} and qemu"; done
fi

# ---- pcap traces ----
if [ "$(id -u)" = 0 ] && command -v tcpdump >/dev/null && command -v ip >/dev/null && [ -f "$BUILD/refkernel/httpd.img" ] &&
	[ -x "$BUILD/workloads/stream" ] && command -v wrk >/dev/null; then
	status "$UK" run -t refkernel -w httpd --reps 1 --warmup 0 --duration 1 --accel tcg -o "$tmp/p1"
	f="$tmp/p1/pcap/refkernel-httpd-rep1.pcap"
	syn=$(tcpdump -nr "$f" 'tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0' 2>/dev/null | head -1)
	first_frame=$(awk -F, '$5 == "first_frame" {print $8}' "$tmp/p1/samples.csv")
	if [ $st = 0 ] && echo "$syn" | grep -q '10.77.0.1.[0-9]* > 10.77.0.2.8080: Flags \[S\]' && [ -n "$first_frame" ]; then
		ok "tcpdump reads the refkernel httpd trace: first SYN to 10.77.0.2:8080; first_frame still measured ($first_frame ms)"
	else
		nok "httpd trace (got $st): '$syn', first_frame '$first_frame'" "$tmp/err"
	fi
	status "$UK" run -t native -w stream --reps 1 --warmup 0 --duration 1 -o "$tmp/p2"
	f="$tmp/p2/pcap/native-stream-rep1.pcap"
	size=$(wc -c <"$f" 2>/dev/null || echo 0)
	pkts=$(tcpdump -nr "$f" 2>/dev/null | wc -l)
	if [ $st = 0 ] && [ "$size" -le 2097152 ] && [ "$size" -gt 1900000 ] && [ "$pkts" -gt 0 ]; then
		ok "stream trace bounded by the 2 MiB head: $size bytes, $pkts frames readable"
	else
		nok "stream trace bound (got $st): $size bytes, $pkts frames" "$tmp/err"
	fi
	status "$UK" run -t native -w stream --reps 1 --warmup 0 --duration 1 --pcap off -o "$tmp/p3"
	[ $st = 0 ] && [ ! -e "$tmp/p3/pcap" ] && grep -q '"pcap": "off"' "$tmp/p3/meta.json" &&
		ok "--pcap off: no trace, meta.json says so" || nok "--pcap off (got $st)" "$tmp/err"
else
	for d in 1 2 3; do skip "pcap test $d" "needs root, ip, tcpdump, wrk, build/refkernel/httpd.img and build/workloads/stream"; done
fi

[ $failed = 0 ]
