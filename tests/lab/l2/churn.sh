#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# churn.sh - L2 scenario: 10 s of processes and threads that come and go
# (churn: children reaped by the kernel as they exit, threads), which
# hidden-process detection must not report. Prints churn's @@CHURN@@ line.
exec /lab2/churn 10
