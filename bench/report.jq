# bench/report.jq - bench/run's figures as a text table (--arg mode text)
# or as bench/RESULTS.md (--arg mode markdown).  Input: what
# `bench/run --json FILE` writes; --arg readme: the "## " headings of
# bench/README.md, linked as the other benchmarks.

def inf: 1e18;

# Median of f over the runs; a run that never got there counts as
# infinitely slow, and a median among those is "never".
def median_of(f):
	[ .[] | f | if . == null then inf else . end ] | sort
	| if length == 0 then null
	  elif length % 2 == 1 then .[(length - 1) / 2]
	  else (.[length / 2 - 1] + .[length / 2]) / 2 end
	| if . != null and . >= inf / 10 then "never" else . end;

def r1: (. * 10 | round) / 10;
def r2: (. * 100 | round) / 100;
def num: type == "number";

. as $all
| $all.settings as $set
| ($set.peers) as $peers
| ($set.timeout_s) as $timeout

| def fmt_s:
	if . == null then "—" elif . == "never" then "> \($timeout) s"
	else "\(r1) s" end;
  def fmt_cpu:
	if . == null then "—" elif . == "never" then "—" else "\(r2) s" end;
  def fmt_pct:
	if . == null then "—" elif num then "\(r2) %" else tostring end;
  def ratio($best):
	if num and ($best | num) and $best > 0 then " (\(. / $best | r2)x)" else "" end;

  def stats($s):
	[ $all.runs[] | select(.strategy == $s) ] as $runs
	| [ $runs[] | select(.status != "error") ] as $ok
	| { strategy: $s,
	    runs: ($runs | length),
	    measured: ($ok | length),
	    t50: ($ok | median_of(.time_s."50")),
	    t90: ($ok | median_of(.time_s."90")),
	    t99: ($ok | median_of(.time_s."99")),
	    c50: ($ok | median_of(.cpu_s."50")),
	    c90: ($ok | median_of(.cpu_s."90")),
	    c99: ($ok | median_of(.cpu_s."99")),
	    steady: ($ok | median_of(.steady.cpu_pct)),
	    vlost: ($ok | median_of(.volatile.lost_pct)),
	    cow: ($ok | median_of(.volatile.cow_ksm_per_s)),
	    final: ($ok | median_of(.steady.savings_pct)),
	    conv: ($ok | median_of(.converge_pct)),
	    verified: ([ $runs[] | select(.verified == true) ] | length),
	    bad: ([ $runs[] | .bad_pages // 0 ] | add // 0),
	    errors: [ $runs[] | select(.status != "ok") | .error // "failed" ],
	    knobs: ([ $ok[] | .knobs_at_end ] | first // null),
	    skip: $all.skips[$s] };

  [ $set.strategies[] | stats(.) ] as $rows
  | ($rows | map({ key: .strategy, value: . }) | from_entries) as $by

  # lowest median among the peers (kernel defaults, ksmtuned, advisor)
  | def best($k):
	[ $rows[] | select(.strategy as $x | $peers | index($x)) | .[$k] | select(num) ]
	| min;
    def cell($r; $k; f): ($r[$k] | f) + ($r[$k] | ratio(best($k)));
    def measured: select(.skip == null and .measured > 0);
    def skipped_line: "| `\(.strategy)` | SKIP: \(.skip) |";

  # ---- the recommendation, from the figures alone ----
  def recommendation:
	[ $rows[] | measured | select(.verified == .runs and (.t90 | num)) ] as $c
	| if ($c | length) == 0 then "No strategy reached 90 % with every run verified."
	  else
	    ([ $c[] | select(.steady | num) | select(.steady < 1) ]) as $quiet
	    | if ($quiet | length) > 0 then
		($quiet | min_by(.t90)) as $w
		| "**`\($w.strategy)`**: the fastest to 90 % (\($w.t90 | fmt_s)) among the strategies whose ksmd stays under 1 % of a CPU once the work is done (\($w.steady | fmt_pct))."
	      else
		($c | map(.t90) | min) as $fast
		| ([ $c[] | select(.t90 <= 2 * $fast) ] | min_by(.steady)) as $w
		| "No strategy kept ksmd under 1 % of a CPU in steady state.  Of those within 2x of the fastest time to 90 % (\($fast | fmt_s)), **`\($w.strategy)`** costs the least in steady state (\($w.steady | fmt_pct) of a CPU, 90 % in \($w.t90 | fmt_s))."
	      end
	  end;

  # ---- the issue's goals, checked ----
  def goal_speed:
	[ "tune", "governor-medium" ][] as $s
	| $by[$s] as $r
	| if $r == null then "- `\($s)`: not in this run."
	  elif $r.skip != null then "- `\($s)`: not measured (SKIP: \($r.skip))."
	  else
	    def vs($peer; $k):
		if $peer != null and ($r[$k] | num) and ($peer[$k] | num) and $peer[$k] > 0
		then $r[$k] / $peer[$k] else null end;
	    def x: if num then "\(r2)x" else "n/a" end;
	    vs($by["ksmtuned"]; "t90") as $a
	    | vs($by["defaults"]; "t90") as $b
	    | vs($by["ksmtuned"]; "c90") as $c
	    | (($a | num) and $a <= 0.5 and ($b | num) and $b <= 0.5
	       and ($c | num) and $c <= 1) as $met
	    | "- `\($s)`: 90 % in \($r.t90 | fmt_s): \($a | x) of ksmtuned's time and \($b | x) of the kernel defaults' (goal: 0.5x or less); ksmd CPU to 90 %: \($r.c90 | fmt_cpu), \($c | x) of ksmtuned's (goal: 1x or less). **\(if $met then "Met" else "Not met" end).**"
	  end;

  def goal_steady:
	$rows[] | select(.strategy == "tune" or (.strategy | startswith("governor-")))
	| if .skip != null then "- `\(.strategy)`: not measured (SKIP: \(.skip))."
	  else "- `\(.strategy)`: \(.steady | fmt_pct) of one CPU. **\(if (.steady | num) and .steady < 1 then "Met" else "Not met" end)**\(if (.t90 | num) then "" else ", but it never reached 90 % of the savings" end). Knobs at the end: `\(.knobs // "?")`."
	  end;

  def goal_bytes:
	([ $rows[] | .runs ] | add // 0) as $n
	| ([ $rows[] | .verified ] | add // 0) as $v
	| ([ $rows[] | .bad ] | add // 0) as $bad
	| "- \($v) of \($n) runs verified every page of every guest; \($bad) pages differed. **\(if $v == $n and $bad == 0 then "Met" else "Not met" end).**";

  # ---- text mode: the table bench/run prints ----
  def pad($n): tostring | if length < $n then . + (" " * ($n - length)) else . end;
  def text:
	"",
	"strategy         \("50 %" | pad(10))\("90 %" | pad(10))\("99 %" | pad(10))\("CPU to 90 %" | pad(13))\("steady CPU" | pad(12))\("vol. lost" | pad(11))verified",
	( $rows[]
	  | if .skip != null then "\(.strategy | pad(17))SKIP: \(.skip)"
	    else "\(.strategy | pad(17))\(.t50 | fmt_s | pad(10))\(.t90 | fmt_s | pad(10))\(.t99 | fmt_s | pad(10))\(.c90 | fmt_cpu | pad(13))\(.steady | fmt_pct | pad(12))\(.vlost | fmt_pct | pad(11))\(.verified)/\(.runs)"
	      + (if (.errors | length) > 0 then "  ERROR: \(.errors | join("; "))" else "" end)
	    end );

  # ---- markdown mode: bench/RESULTS.md ----
  def anchor: ascii_downcase | gsub("[^a-z0-9 _-]"; "") | gsub(" "; "-");
  def mib: . / 1048576 | r1;
  def markdown:
	$all.machine as $m | $all.plan as $p | $p.workload as $w
	| "# KSM strategies compared",
	"",
	"Generated by `make bench` (`\($all.command)`) on \($m.date). Do not edit:",
	"run `make bench` again.  Medians of \($set.runs) runs per strategy, run in",
	"turns (1st run of every strategy, then the 2nd, ...); ratios are to the best",
	"of the peers (\($peers | map("`\(.)`") | join(", "))) measured in the same run:",
	"below 1x is better.  The machine is shared and noisy; compare ratios, not",
	"absolute times.\(if $set.resumed then "  The run was interrupted once and resumed (`--resume`): the runs done before the interruption were kept." else "" end)",
	"",
	"## Which strategy should I use?",
	"",
	recommendation,
	"",
	"## Machine",
	"",
	"| | |",
	"|---|---|",
	"| CPU | \($m.cpu), \($m.cpus) CPUs |",
	"| memory | \($m.mem_kib / 1048576 | r1) GiB |",
	"| kernel | Linux \($m.kernel) (transparent hugepages: `\($m.thp)`) |",
	"| load average (1, 5, 15 min) | \($m.load_start) at the start, \($m.load_end) at the end |",
	"| ksmctl | \($m.ksmctl), commit \($m.commit) |",
	"| ksmtuned | Debian package \($m.ksmtuned) |",
	"",
	"## Workload",
	"",
	"`build/bench/ksm-workload \($set.workload_args)`: \($w.guests) guests of \($w.size_mib) MiB (\($w.pages_per_guest) pages of \($w.page_size) bytes each), registered with `\($w.merge)`, \($w.volatile_rate) volatile pages rewritten per guest per second (the guests' volatile pages are identical between rewrites).  The best outcome, by construction, counted as the kernel counts `pages_sharing + ksm_zero_pages` with max_page_sharing \($w.max_page_sharing):",
	"",
	"| class | share | pages per guest | merged away, use_zero_pages 0 | use_zero_pages 1 |",
	"|---|---|---|---|---|",
	( ["shared", "dup", "zero", "unique", "volatile"][] as $c
	  | "| \($c) | \($w.mix[$c].percent | r1) % | \($w.mix[$c].pages_per_guest) | \($p.ideal.by_class[$c].use_zero_pages_off) | \($p.ideal.by_class[$c].use_zero_pages_on) |" ),
	"| **achievable** | | | **\($p.ideal.use_zero_pages_off.pages)** (\($p.ideal.use_zero_pages_off.bytes | mib) MiB) | **\($p.ideal.use_zero_pages_on.pages)** (\($p.ideal.use_zero_pages_on.bytes | mib) MiB) |",
	"",
	"Volatile pages are left out of the achievable figure: held still they would save \($p.ideal.volatile_if_still.pages) more pages (\($p.ideal.volatile_if_still.bytes | mib) MiB).  Percentages below are of the achievable figure for the use_zero_pages in force.  The savings are the workload's own, measured by it from its guests' page tables (`--stats`: a frame mapped by K of its pages saves K - 1, the zero page saves every mapping), class by class: the global counters would also count whatever other processes on the machine KSM merges meanwhile.",
	"",
	"## Method",
	"",
	"Each run: every KSM knob saved (under the real-kernel tests' lock), set to the kernel defaults with ksmd stopped, the guests started and filled; then, from t = 0, the strategy starts and the counters are sampled every \($set.interval_s) s:",
	"",
	"1. **converge**: until 99 % of the achievable savings, at most \($timeout) s: the time and ksmd's CPU time (utime + stime of the `ksmd` thread) when 50, 90 and 99 % were first reached;",
	"2. **volatile**: \($set.volatile_window_s) s more; the savings the volatile pages give against what they would give held still: the share lost to their rewrites, and `cow_ksm` per second (merges broken by writes, machine-wide);",
	"3. **steady state**: rewrites paused, two more full scans and two monitor intervals (\($set.monitor_interval_s // "?") s each, so that a daemon has looked twice; at most \($set.settle_s) s), then ksmd's CPU over \($set.window_s) s with nothing left to merge;",
	"4. the guests verify every page against what they wrote, the strategy stops, every knob is put back.",
	"",
	"## Results",
	"",
	"### Time to 50 / 90 / 99 % of the achievable savings",
	"",
	"| strategy | 50 % | 90 % | 99 % | runs |",
	"|---|---|---|---|---|",
	( $rows[] | if .skip != null then skipped_line
	  else "| `\(.strategy)` | \(cell(.; "t50"; fmt_s)) | \(cell(.; "t90"; fmt_s)) | \(cell(.; "t99"; fmt_s)) | \(.measured) |" end ),
	"",
	"### ksmd CPU",
	"",
	"CPU seconds ksmd spent from t = 0 until 50 / 90 / 99 %, and its share of one CPU in steady state.",
	"",
	"| strategy | to 50 % | to 90 % | to 99 % | steady state |",
	"|---|---|---|---|---|",
	( $rows[] | if .skip != null then skipped_line
	  else "| `\(.strategy)` | \(cell(.; "c50"; fmt_cpu)) | \(cell(.; "c90"; fmt_cpu)) | \(cell(.; "c99"; fmt_cpu)) | \(cell(.; "steady"; fmt_pct)) |" end ),
	"",
	"### Volatile pages, final savings, correctness",
	"",
	"| strategy | volatile savings lost | cow_ksm / s | savings at the end | runs verified | knobs at the end (first run) |",
	"|---|---|---|---|---|---|",
	( $rows[] | if .skip != null then skipped_line
	  else "| `\(.strategy)` | \(.vlost | fmt_pct) | \(.cow // "—") | \(.final | fmt_pct) | \(.verified) of \(.runs)\(if .bad > 0 then ", **\(.bad) pages differ**" else "" end) | `\(.knobs // "—")` |" end ),
	( [ $rows[] | select((.errors | length) > 0) ] | if length > 0 then
	    "", "Errors:", "", ( .[] | "- `\(.strategy)`: \(.errors | join("; "))" )
	  else empty end ),
	"",
	"## Goals",
	"",
	"ksmctl tune and governor medium reach 90 % at least 2x sooner than ksmtuned and the kernel defaults, without more ksmd CPU than ksmtuned:",
	"",
	goal_speed,
	"",
	"In steady state, with nothing left to merge, ksmd under ksmctl's control uses less than 1 % of one CPU:",
	"",
	goal_steady,
	"",
	"Zero bytes lost:",
	"",
	goal_bytes,
	"",
	"## Strategies and exact commands",
	"",
	"- `make bench` runs `\($all.command)`; `bench/run --help` lists its options.",
	"- Each run starts `build/bench/ksm-workload \($set.workload_args) --max-page-sharing N --ready-file FILE` (N: the kernel's value), waits for the ready file, and stops it with SIGTERM (SIGUSR1 first, to pause its rewrites).",
	"- `defaults`: `echo 1 > /sys/kernel/mm/ksm/run` with pages_to_scan 100, sleep_millisecs 20.",
	"- `ksmtuned`: as `ksm.service` + `ksmtuned.service` would: `run` 1, then the unmodified `/usr/sbin/ksmtuned` in a mount namespace where this configuration is bind-mounted over `/etc/ksmtuned.conf` (Debian's defaults otherwise; the first adjustment comes one interval after the start):",
	"",
	"  ```sh",
	( $set.ksmtuned_conf | split("\n")[] | "  \(.)" ),
	"  ```",
	"",
	"- `advisor`: `echo scan-time > advisor_mode`, then `run` 1 (the advisor's defaults: target scan time 200 s, max CPU 70 %, 500 to 30000 pages).",
	"- `tune`: `run` 1, then `ksmctl tune -c CONF` with the same configuration as ksmtuned, stopped with SIGTERM.",
	"- `governor-LEVEL`: `ksmctl governor --follow LEVEL` in the background (as `ksmctl-governor@LEVEL.service` runs it: ksmctl measures ksmd every second and scales pages_to_scan to the budget, 0.5 % of a CPU once two full scans merge nothing), then `run` 1; stopped with SIGTERM, which puts the knobs back.",
	"",
	"## Other benchmarks",
	"",
	( ($readme | split("\n") | map(select(startswith("## ")) | .[3:]
				       | select(startswith("KSM strategies") | not))) as $h
	  | if ($h | length) == 0 then "None yet in bench/README.md."
	    else "Their figures are kept with their scripts in [bench/README.md](README.md):", "",
	      ( $h[] | "- [\(.)](README.md#\(anchor))" )
	    end ),
	"",
	"## Every run",
	"",
	"Other processes' pages that ksmd scanned too (their rmap items at the end of the run; — where not recorded) and the load average show how busy the shared machine was.",
	"",
	"| strategy | run | 50 % | 90 % | 99 % | CPU to 90 % | steady CPU | volatile lost | verified | other processes' pages | load at start |",
	"|---|---|---|---|---|---|---|---|---|---|---|",
	( $all.runs | sort_by(.run, (.strategy as $x | $set.strategies | index($x))) | .[]
	  | "| `\(.strategy)` | \(.run) | \(.time_s."50" | if . == null then "—" else "\(.) s" end) | \(.time_s."90" | if . == null then "—" else "\(.) s" end) | \(.time_s."99" | if . == null then "—" else "\(.) s" end) | \(.cpu_s."90" | if . == null then "—" else "\(.) s" end) | \(.steady.cpu_pct | if . == null then "—" else "\(.) %" end) | \(.volatile.lost_pct | if . == null then "—" else "\(.) %" end) | \(.verified) | \(.foreign_rmap_items // "—") | \(.load.start // "—") |" );

  if $mode == "markdown" then markdown else text end
