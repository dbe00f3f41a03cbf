#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare `nogapctl ps -j` with the guest's own process list (mkdump.sh's
<ABI>.ps: "pid comm" read from /proc by the guest's init just before the dump).

Every process the guest lists must be found with the same pid and comm
(the kernel keeps 15 characters of comm; for workqueue workers /proc adds
"-<workqueue>" after them). Processes we list that the guest did not are
reported: the only expected one is init's `sleep`, started after the list.
"""
import json
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: score-ps.py PS.json GUEST.ps [LABEL]")
    ours = {p["pid"]: p["comm"] for p in json.load(open(sys.argv[1]))["processes"]}
    guest = {}
    for line in open(sys.argv[2]):
        pid, _, comm = line.rstrip("\n").partition(" ")
        guest[int(pid)] = comm
    found = sum(1 for pid, comm in guest.items()
                if pid in ours and comm.startswith(ours[pid])
                and (len(ours[pid]) == 15 or comm == ours[pid]
                     or comm[len(ours[pid])] == "-"))
    extra = sorted("%d:%s" % (p, c) for p, c in ours.items()
                   if p not in guest and p != 0)
    res = {"label": sys.argv[3] if len(sys.argv) > 3 else "",
           "guest": len(guest), "found": found, "ours": len(ours),
           "extra": extra}
    print(json.dumps(res))


if __name__ == "__main__":
    main()
