# SPDX-License-Identifier: GPL-2.0
# score.awk - recall/precision of named functions against a boot's kallsyms,
# with the rules of tests/eval/score.py, in awk for L1's busybox.
#
#   awk -f score.awk KALLSYMS NAMED
#
# NAMED: one "name<TAB>address" line per function named (hex address, 0x
# optional), e.g. `labjson rows symbols name address`.
# Truth: core kernel text symbols (t/T/w/W, no [module]) between the
# kallsyms' own _stext and _etext, no __pfx_/__cfi_ labels, one function per
# address (any alias at that address counts as right).
# recall = right / truth addresses; precision = right / names given.
# Prints "recall=XX.XX precision=YY.YY truth=N named=N right=N".

function norm(a) {
	a = tolower(a)
	sub(/^0x/, "", a)
	while (length(a) < 16)
		a = "0" a
	return a ""
}

FNR == NR {
	if (NF != 3)
		next
	addr = norm($1)
	if ($3 == "_stext")
		stext = addr
	else if ($3 == "_etext")
		etext = addr
	if ($2 !~ /^[tTwW]$/)
		next
	if ($3 ~ /^__pfx_/ || $3 ~ /^__cfi_/)
		next
	pair[addr SUBSEP $3] = 1
	at[addr] = 1
	next
}

{
	split($0, f, "\t")
	given++
	a = norm(f[2])
	if (stext != "" && a >= stext && a < etext && ((a SUBSEP f[1]) in pair))
		right++
}

END {
	if (stext == "" || etext == "") {
		print "score: no _stext/_etext in " ARGV[1] > "/dev/stderr"
		exit 1
	}
	for (a in at)
		if (a >= stext && a < etext)
			truth++
	recall = truth ? 100 * right / truth : 0
	precision = given ? 100 * right / given : 0
	printf "recall=%.2f precision=%.2f truth=%d named=%d right=%d\n",
	       recall, precision, truth, given, right
}
