# SPDX-License-Identifier: GPL-2.0
#
# NoGap top-level Makefile.
#   make             build nogapctl (and nogap.ko where kernel headers exist)
#   make check       every test: unit, decoder oracle, offline end-to-end
#   make check-unit  CUnit tests (plus the AddressSanitizer build)
#   make check-lab   the KVM-host lab: nogap.ko on a KVM host inside QEMU
#   make lab         build the lab's kernels and initramfs (build/lab/)
#   make bench       benchmarks, side by side in one run
#   make eval        recall/precision table on real Debian kernels
#   make demo        install what is missing, build, run the main job
#   make install     nogapctl, man page, bash completion, DKMS source of
#                    nogap.ko, default policy, systemd unit (DESTDIR,
#                    PREFIX; see README.md)
#   make uninstall   remove them (a changed /etc/nogap/nogap.policy stays)

CC	?= cc
O	:= build
CACHE	?= $(or $(NOGAP_CACHE),$(HOME)/.cache/nogap)
export NOGAP_CACHE := $(CACHE)

WARN	:= -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wvla
OPT	?= -O2 -g
CFLAGS	+= -std=gnu11 $(OPT) $(WARN) -Ikmod/core -Iuapi -Iuserspace \
	   -D_GNU_SOURCE -fno-strict-aliasing
LIBNL_CFLAGS := $(shell pkg-config --cflags libnl-genl-3.0 2>/dev/null)
LIBNL_LIBS   := $(shell pkg-config --libs libnl-genl-3.0 2>/dev/null)

CORE_SRCS := $(sort $(wildcard kmod/core/*.c))
TOOL_SRCS := $(filter-out userspace/nogapctl.c,$(sort $(wildcard userspace/*.c)))
CORE_OBJS := $(CORE_SRCS:%.c=$(O)/%.o)
TOOL_OBJS := $(TOOL_SRCS:%.c=$(O)/%.o)
ASAN_CORE_OBJS := $(CORE_SRCS:%.c=$(O)/asan/%.o)
ASAN_TOOL_OBJS := $(TOOL_SRCS:%.c=$(O)/asan/%.o)
ASAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(O)/unit/%)
ASAN_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(O)/asan/unit/%)
# tests/unit/ut.h: the helpers every unit test links
UT_OBJ     := $(O)/tests/unit/ut.o
ASAN_UT_OBJ := $(O)/asan/tests/unit/ut.o
BENCH_SRCS := $(sort $(wildcard tests/bench/bench_*.c))
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(O)/bench/%)
EVAL_SRCS  := $(sort $(wildcard tests/eval/*.c))
EVAL_BINS  := $(EVAL_SRCS:tests/eval/%.c=$(O)/eval/%)

TEST_LIBS  := -lcunit -lcrypto -lm $(LIBNL_LIBS)
BENCH_LIBS := -lZydis -lcapstone -lcrypto -lm $(LIBNL_LIBS)

# keep the ASan objects between builds
.SECONDARY: $(ASAN_CORE_OBJS) $(ASAN_TOOL_OBJS)

.PHONY: check-kmod unit-dumps all tools kmod check check-unit check-decoder check-offline bench \
	eval demo clean deps install uninstall check-install check-lab lab

all: tools kmod

tools: userspace/nogapctl

userspace/nogapctl: $(O)/userspace/nogapctl.o $(TOOL_OBJS) $(CORE_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBNL_LIBS) -lm

$(O)/asan/nogapctl: $(O)/asan/userspace/nogapctl.o $(ASAN_TOOL_OBJS) $(ASAN_CORE_OBJS)
	$(CC) $(CFLAGS) $(ASAN) -o $@ $^ $(LIBNL_LIBS) -lm

$(O)/%.o: %.c $(wildcard kmod/core/*.h userspace/*.h uapi/linux/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIBNL_CFLAGS) -c -o $@ $<

$(O)/asan/%.o: %.c $(wildcard kmod/core/*.h userspace/*.h uapi/linux/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN) $(LIBNL_CFLAGS) -c -o $@ $<

$(UT_OBJ) $(ASAN_UT_OBJ): tests/unit/ut.h

$(O)/unit/%: tests/unit/%.c $(UT_OBJ) $(TOOL_OBJS) $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LIBNL_CFLAGS) -Itests/unit -o $@ $^ $(TEST_LIBS)

$(O)/asan/unit/%: tests/unit/%.c $(ASAN_UT_OBJ) $(ASAN_TOOL_OBJS) $(ASAN_CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(ASAN) $(LIBNL_CFLAGS) -Itests/unit -o $@ $^ $(TEST_LIBS)

$(O)/bench/%: tests/bench/%.c $(TOOL_OBJS) $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/bench -o $@ $^ $(BENCH_LIBS)

$(O)/eval/%: tests/eval/%.c $(TOOL_OBJS) $(CORE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(BENCH_LIBS)

# The module: built where kernel headers are available (KDIR overrides):
# the running kernel's, else the newest /usr/src/linux-headers-*-amd64
# (build machines need not run the kernel they build for).
KDIR ?= $(or $(wildcard /lib/modules/$(shell uname -r)/build),$(lastword \
	$(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V)))
kmod:
	@if [ -d "$(KDIR)" ] && [ -f kmod/Kbuild ]; then \
		$(MAKE) -C "$(KDIR)" M=$(CURDIR)/kmod modules; \
	else \
		echo "nogap: no kernel headers at $(KDIR): skipping nogap.ko (set KDIR)"; \
	fi

check: check-unit check-decoder check-offline check-kmod check-install check-lab

# test_offline identifies a real dump: fetch and boot its two kernels first
UNIT_DUMPS := $(shell awk '$$1 == "ref61" || $$1 == "t61" { print $$2 }' tests/eval/kernels.txt)
unit-dumps:
	tests/eval/mkdump.sh $(UNIT_DUMPS)

check-unit: $(UNIT_BINS) $(ASAN_BINS) unit-dumps
	@set -e; for t in $(UNIT_BINS) $(ASAN_BINS); do \
		echo "== $$t"; $$t; done; echo "check-unit: pass"

# Decoder against Zydis/objdump over whole real kernels (fetched into CACHE).
check-decoder: $(EVAL_BINS)
	tests/eval/check-decoder.sh

# Offline identification end-to-end on real dumps (fetched into CACHE).
check-offline: tools $(O)/asan/nogapctl $(EVAL_BINS)
	tests/eval/check-offline.sh

# The KVM-host lab (tests/lab/README.md): L1 = Debian's kernel under QEMU/TCG
# with nested SVM, L2 guests under KVM in L1; runs alone too.
lab:
	tests/lab/build.sh

check-lab:
	tests/lab/run.sh

# nogap.ko builds warning-free against the 6.1 and 6.12 headers
check-kmod:
	tests/check-kmod.sh

bench: tools $(BENCH_BINS) $(EVAL_BINS)
	tests/bench/run.sh

eval: tools $(EVAL_BINS)
	tests/eval/eval.sh

# Installation. PREFIX (/usr) places nogapctl (PREFIX/sbin), its man page,
# its bash completion (PREFIX/share/bash-completion/completions) and the
# systemd unit (PREFIX/lib/systemd/system); the policy goes to
# SYSCONFDIR/nogap (/etc/nogap, never overwritten), the module's source to
# /usr/src/nogap-VERSION for DKMS. DESTDIR stages it all elsewhere; without
# DESTDIR, and when dkms is installed, `dkms install` builds nogap.ko for
# the installed kernels.
PREFIX		?= /usr
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
DOCDIR		?= $(PREFIX)/share/doc/nogap
UNITDIR		?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR	?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR	?= /etc
NG_PKG_VERSION	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' kmod/dkms.conf)
DKMS_SRC	:= /usr/src/nogap-$(NG_PKG_VERSION)
INSTALL		?= install

install: tools
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(SYSCONFDIR)/nogap $(DESTDIR)/var/lib/nogap
	$(INSTALL) -m 0755 userspace/nogapctl $(DESTDIR)$(SBINDIR)/nogapctl
	$(INSTALL) -m 0644 docs/nogapctl.8 $(DESTDIR)$(MANDIR)/man8/nogapctl.8
	$(INSTALL) -m 0644 etc/bash-completion/nogapctl $(DESTDIR)$(BASHCOMPDIR)/nogapctl
	$(INSTALL) -m 0644 README.md docs/policy.md docs/netlink-api.md \
		$(DESTDIR)$(DOCDIR)/
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/nogap/nogap.policy ]; then \
		echo "install: keeping $(DESTDIR)$(SYSCONFDIR)/nogap/nogap.policy"; \
	else \
		echo "$(INSTALL) -m 0644 etc/nogap/nogap.policy $(DESTDIR)$(SYSCONFDIR)/nogap/nogap.policy"; \
		$(INSTALL) -m 0644 etc/nogap/nogap.policy $(DESTDIR)$(SYSCONFDIR)/nogap/nogap.policy; \
	fi
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		etc/systemd/nogap.service > $(DESTDIR)$(UNITDIR)/nogap.service.tmp
	chmod 0644 $(DESTDIR)$(UNITDIR)/nogap.service.tmp
	mv -f $(DESTDIR)$(UNITDIR)/nogap.service.tmp $(DESTDIR)$(UNITDIR)/nogap.service
	rm -rf $(DESTDIR)$(DKMS_SRC)
	$(MAKE) -C kmod dkms-src DESTDIR=$(abspath $(DESTDIR))
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null 2>&1; then \
		set -x; \
		dkms remove nogap/$(NG_PKG_VERSION) --all >/dev/null 2>&1 || true; \
		dkms add nogap/$(NG_PKG_VERSION) && \
		dkms install nogap/$(NG_PKG_VERSION) && \
		{ command -v systemctl >/dev/null 2>&1 && systemctl daemon-reload || true; }; \
	else \
		echo "install: then: dkms install nogap/$(NG_PKG_VERSION); systemctl enable --now nogap"; \
	fi

uninstall:
	@if [ -z "$(DESTDIR)" ] && command -v dkms >/dev/null 2>&1; then \
		set -x; dkms remove nogap/$(NG_PKG_VERSION) --all || true; fi
	rm -f $(DESTDIR)$(SBINDIR)/nogapctl $(DESTDIR)$(MANDIR)/man8/nogapctl.8 \
		$(DESTDIR)$(BASHCOMPDIR)/nogapctl $(DESTDIR)$(UNITDIR)/nogap.service
	rm -rf $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DKMS_SRC)
	@p=$(DESTDIR)$(SYSCONFDIR)/nogap/nogap.policy; \
	if [ -e $$p ] && ! cmp -s $$p etc/nogap/nogap.policy; then \
		echo "uninstall: keeping $$p (changed)"; \
	else \
		rm -f $$p; rmdir $(DESTDIR)$(SYSCONFDIR)/nogap 2>/dev/null || true; \
	fi
	@echo "uninstall: /var/lib/nogap (signature DBs) is left in place"

# make install into a temporary DESTDIR: files where documented, the
# default policy valid, the DKMS tree complete (tests/check-install.sh)
check-install: tools
	tests/check-install.sh

deps:
	scripts/install-deps.sh

demo: deps
	$(MAKE) tools
	tests/eval/demo.sh

clean:
	rm -rf $(O) userspace/nogapctl
	@if [ -d "$(KDIR)" ] && [ -f kmod/Kbuild ]; then \
		$(MAKE) -C "$(KDIR)" M=$(CURDIR)/kmod clean; fi
