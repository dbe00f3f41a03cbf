// SPDX-License-Identifier: GPL-2.0
/* wtrack.c - placeholder while text write tracking is written. */
#include "nogap.h"

int ng_wtrack_init(void) { return 0; }
void ng_wtrack_exit(void) { }
void ng_wtrack_update(struct ng_vm *vm) { }
void ng_wtrack_stop(struct ng_vm *vm) { }
