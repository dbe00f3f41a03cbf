/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * nogap.h - the generic netlink interface of nogap.ko.
 *
 * This header is the API documentation: everything a client needs to talk
 * to the module is described here. It is ABI: values are never reordered
 * or reused; new ones are added before the __*_MAX tails.
 *
 * Family and groups
 * -----------------
 *
 * The family is NOGAP_GENL_NAME ("nogap"), version NOGAP_GENL_VERSION.
 * Resolve its id with the generic netlink controller (CTRL_CMD_GETFAMILY);
 * when the family does not exist, the module is not loaded. Events are
 * sent to the multicast group NOGAP_MCGRP_EVENTS ("events"); joining it
 * needs CAP_NET_ADMIN where the kernel supports capability checks on
 * groups (GENL_MCAST_CAP_NET_ADMIN).
 *
 * Every request is validated against a policy of its own command before
 * the module sees it: an attribute of the wrong type or length, one that
 * the command does not accept, or a non-zero reserved header byte is
 * refused with EINVAL, an integer out of its range with ERANGE, each with
 * an extended ACK message. Set NETLINK_EXT_ACK on the socket to receive
 * the messages; the module's own are lowercase English, one line, meant to
 * be shown to the user as "kernel reports: <message>". Set NETLINK_CAP_ACK
 * too, or errors echo the whole request (a DB chunk) back.
 *
 * Integers are in host byte order. u64 attributes may be preceded by a
 * NOGAP_A_PAD (or NOGAP_SYM_A_PAD, ...) attribute for alignment: ignore
 * it. Strings are NUL-terminated.
 *
 * Permissions: STATUS_GET is open to every user. Every other command
 * either changes state or reveals guest data (guest registers, the guest
 * kernel's layout) and needs CAP_NET_ADMIN; without it the request fails
 * with EPERM before it is looked at.
 *
 * Commands
 * --------
 *
 * NOGAP_CMD_STATUS_GET: module status and counters.
 *
 *   Request: no attributes. Reply (one message, same command):
 *
 *	NOGAP_A_STATUS_VERSION: NLA_NUL_STRING, the module version
 *	NOGAP_A_STATUS_EXITS: NLA_U64, VM exits observed since load
 *	NOGAP_A_STATUS_ANCHORS: NLA_U64, kernel-mode anchors captured
 *	NOGAP_A_STATUS_VMS: NLA_U32, VMs watched now
 *	NOGAP_A_STATUS_VMS_SEEN: NLA_U32, VMs watched since load
 *	NOGAP_A_STATUS_IDENT_DONE: NLA_U32, identifications that succeeded
 *	NOGAP_A_STATUS_IDENT_FAILED: NLA_U32, identifications that failed
 *	NOGAP_A_STATUS_IDENT_RUNNING: NLA_U32, queued or running now
 *	NOGAP_A_STATUS_SIGDB_LOADED: NLA_U8, 1 when a signature DB is active
 *	NOGAP_A_SIGDB_SIZE: NLA_U64, size of the active DB in bytes
 *	NOGAP_A_SIGDB_GENERATION: NLA_U32, bumped by each successful load
 *	NOGAP_A_SIGDB_KERNELS: NLA_NESTED, present when a DB is active
 *	    0: NLA_NESTED, one per reference kernel in the DB
 *		NOGAP_KERNEL_A_LABEL: NLA_NUL_STRING
 *		NOGAP_KERNEL_A_TEXT_SIZE: NLA_U64
 *		NOGAP_KERNEL_A_FRAGMENTS: NLA_U32
 *		NOGAP_KERNEL_A_NAMES: NLA_U32
 *	    1: NLA_NESTED
 *		...
 *
 * NOGAP_CMD_VM_GET: the VMs the module watches (CAP_NET_ADMIN).
 *
 *   A VM is watched from its first VM exit after the module is loaded
 *   (VMs that existed before are picked up at their next exit) until its
 *   VMM closes it. Each VM gets an id, unique for the life of the module.
 *
 *   As a dump (NLM_F_DUMP), with no attributes: one message per VM, in
 *   increasing id order. As a plain request with NOGAP_A_VM_ID: that VM
 *   only (ENOENT if there is no such VM). Each message holds:
 *
 *	NOGAP_A_VM_ID: NLA_U32
 *	NOGAP_A_VM_PID: NLA_U32, process id of the VMM (e.g. QEMU)
 *	NOGAP_A_VM_VCPUS: NLA_U32, online vCPUs
 *	NOGAP_A_VM_STATE: NLA_U8, enum nogap_vm_state
 *	NOGAP_A_VM_VENDOR: NLA_U8, enum nogap_vendor
 *	NOGAP_A_VM_EXITS: NLA_U64, exits observed
 *	NOGAP_A_ANCHOR_RIP: NLA_U64, last kernel-mode anchor (when captured)
 *	NOGAP_A_ANCHOR_CR3: NLA_U64
 *	NOGAP_A_ANCHOR_VCPU: NLA_U32
 *	NOGAP_A_IDENT_STATE: NLA_U8, enum nogap_ident_state
 *	NOGAP_A_IDENT_*: as in the IDENTIFY reply, once identification ended
 *
 * NOGAP_CMD_SIGDB_LOAD: upload a signature DB in chunks (CAP_NET_ADMIN).
 *
 *   A DB (docs/sigdb-format.md, built by `nogapctl sigdb build`) can be up
 *   to NOGAP_SIGDB_MAX_SIZE bytes; a netlink message carries at most
 *   NOGAP_SIGDB_CHUNK_MAX bytes of it. One upload is in progress at a time,
 *   owned by the socket that began it; it is dropped when that socket is
 *   closed, when another socket begins an upload, on ABORT, and after any
 *   refused chunk or commit. Each request carries NOGAP_A_SIGDB_OP:
 *
 *   NOGAP_SIGDB_BEGIN
 *	NOGAP_A_SIGDB_SIZE: NLA_U64, required, total size, 64 bytes to
 *	    NOGAP_SIGDB_MAX_SIZE
 *   NOGAP_SIGDB_CHUNK
 *	NOGAP_A_SIGDB_OFFSET: NLA_U64, required, must equal the bytes
 *	    received so far (chunks come in order, without gaps)
 *	NOGAP_A_SIGDB_DATA: NLA_BINARY, required, 1 to NOGAP_SIGDB_CHUNK_MAX
 *	    bytes; offset + length must not exceed the declared size
 *	NOGAP_A_SIGDB_CRC32: NLA_U32, optional, CRC-32 (IEEE 802.3, as zlib's
 *	    crc32()) of the data; a mismatch refuses the chunk
 *   NOGAP_SIGDB_COMMIT
 *	no other attribute. The whole DB must have been received. It is then
 *	validated exactly like userspace does (header, checksum, every table
 *	and index); a DB that does not validate is refused with EINVAL and
 *	the reason as extended ACK message, and the active DB stays. A valid
 *	DB replaces the active one atomically: identifications already
 *	running finish with the DB they started with. The reply is a
 *	STATUS_GET reply (same attributes) describing the new DB.
 *   NOGAP_SIGDB_ABORT
 *	drop the upload in progress, if any.
 *
 *   Errors: EINVAL (bad request, refused chunk, invalid DB), EBUSY (the
 *   upload belongs to another socket), ENOENT (chunk or commit without a
 *   begun upload), E2BIG (declared size too large), ENOMEM.
 *
 * NOGAP_CMD_IDENTIFY: name a VM's kernel functions (CAP_NET_ADMIN).
 *
 *   Request:
 *	NOGAP_A_VM_ID: NLA_U32, required
 *	NOGAP_A_IDENT_FLAGS: NLA_U32, optional, NOGAP_IDENTIFY_F_*
 *
 *   Without NOGAP_IDENTIFY_F_QUERY, identification of the VM is queued,
 *   unless it is already queued or running, or done and
 *   NOGAP_IDENTIFY_F_RESTART is not given. Identification runs in the
 *   background: it waits (up to a few seconds) for a vCPU to exit in
 *   kernel mode, walks the guest page tables from that anchor, reads the
 *   guest kernel's code, cuts it into functions, hashes them and matches
 *   them against the active signature DB. When it ends, a
 *   NOGAP_EVENT_IDENTIFY_DONE event is sent and the symbols can be read
 *   with SYMBOLS_GET. With NOGAP_IDENTIFY_F_QUERY nothing is started.
 *
 *   Reply (both cases): one NOGAP_CMD_IDENTIFY message with
 *	NOGAP_A_VM_ID: NLA_U32
 *	NOGAP_A_IDENT_STATE: NLA_U8, enum nogap_ident_state
 *   and, once identification has ended (DONE or FAILED):
 *	NOGAP_A_IDENT_ERRNO: NLA_U32, positive errno (FAILED only)
 *	NOGAP_A_IDENT_MSG: NLA_NUL_STRING, why it failed (FAILED only)
 *	NOGAP_A_IDENT_KERNEL: NLA_NUL_STRING, label of the DB kernel most
 *	    like the guest
 *	NOGAP_A_IDENT_TEXT_START: NLA_U64, guest-virtual start of its code
 *	NOGAP_A_IDENT_TEXT_SIZE: NLA_U64
 *	NOGAP_A_IDENT_FRAGMENTS: NLA_U32, functions/fragments found
 *	NOGAP_A_IDENT_MATCHED: NLA_U32, fragments named
 *	NOGAP_A_IDENT_SYMBOLS: NLA_U32, symbols SYMBOLS_GET returns
 *	NOGAP_A_IDENT_HOLES: NLA_U32, code pages that could not be read
 *	NOGAP_A_IDENT_MSECS: NLA_U32, duration
 *	NOGAP_A_ANCHOR_RIP, NOGAP_A_ANCHOR_CR3, NOGAP_A_ANCHOR_VCPU: the
 *	    anchor that was used
 *
 *   Errors: ENOENT (no such VM, or no signature DB loaded: see the
 *   message), EINVAL.
 *
 * NOGAP_CMD_SYMBOLS_GET: the symbols found in a VM (dump, CAP_NET_ADMIN).
 *
 *   Request (NLM_F_DUMP):
 *	NOGAP_A_VM_ID: NLA_U32, required
 *	NOGAP_A_SYM_FILTER: NLA_NUL_STRING, optional, at most
 *	    NOGAP_SYM_FILTER_MAX bytes with the NUL. A pattern with any of
 *	    "*?[" is a glob matched against the whole name; else it is a
 *	    substring.
 *
 *   Reply: the symbols in address order, split over as many messages as
 *   needed. Each message holds:
 *	NOGAP_A_VM_ID: NLA_U32
 *	NOGAP_A_SYMBOLS: NLA_NESTED
 *	    0: NLA_NESTED
 *		NOGAP_SYM_A_NAME: NLA_NUL_STRING
 *		NOGAP_SYM_A_ADDR: NLA_U64, guest-virtual address
 *		NOGAP_SYM_A_SIZE: NLA_U32, bytes up to the next symbol
 *		NOGAP_SYM_A_EVIDENCE: NLA_U8, enum nogap_evidence
 *		NOGAP_SYM_A_CONFIDENCE: NLA_U8, 0 to 100
 *	    1: NLA_NESTED
 *		...
 *   If the VM is identified again while the dump runs, the messages after
 *   the change carry NLM_F_DUMP_INTR: start over.
 *
 *   Errors come in the NLMSG_DONE that ends the dump (its payload is the
 *   negative errno, followed by the extended ACK attributes): EINVAL (no
 *   NOGAP_A_VM_ID), ENOENT (no such VM, or it went away during the dump),
 *   ENODATA (the VM has not been identified successfully). Policy errors
 *   (a bad filter) come as an NLMSG_ERROR like for every request.
 *
 * NOGAP_CMD_PS_GET: the guest's processes (dump, CAP_NET_ADMIN).
 *
 *   Request (NLM_F_DUMP):
 *	NOGAP_A_VM_ID: NLA_U32, required
 *
 *   The module walks the guest's task list (init_task and the task_struct
 *   layout come from the VM's identification: init_task where matched
 *   code puts it, the layout checked against live invariants of the list
 *   itself) once, at the first part of the dump, and sends that snapshot:
 *   init_task first (pid 0), then the list's order; thread group leaders
 *   only, as the kernel links them. Split over as many messages as
 *   needed; each holds:
 *	NOGAP_A_VM_ID: NLA_U32
 *	NOGAP_A_TASKS: NLA_NESTED
 *	    0: NLA_NESTED, one task
 *		NOGAP_TASK_A_ADDR: NLA_U64, guest-virtual task_struct
 *		NOGAP_TASK_A_PID: NLA_U32
 *		NOGAP_TASK_A_TGID: NLA_U32
 *		NOGAP_TASK_A_PPID: NLA_U32, the real parent's tgid (0 for
 *		    init_task)
 *		NOGAP_TASK_A_COMM: NLA_NUL_STRING, at most 16 bytes with the
 *		    NUL; bytes outside printable ASCII as '?'
 *		NOGAP_TASK_A_STATE: NLA_U32, the task's __state word
 *		NOGAP_TASK_A_KTHREAD: NLA_U8, 1 for a kernel thread (PF_KTHREAD
 *		    where the flags word was found, else no mm)
 *		NOGAP_TASK_A_MM: NLA_U64, guest-virtual mm_struct, 0: none
 *	    1: NLA_NESTED
 *		...
 *
 *   Errors, in the NLMSG_DONE that ends the dump with a message: EINVAL
 *   (no NOGAP_A_VM_ID), ENOENT (no such VM; or init_task not located, or
 *   no layout holds over the list: the message says which), ENODATA (not
 *   identified yet), EFAULT (the list broke while read, three times),
 *   E2BIG (it does not end within 32768 tasks), ESRCH (the VM is going
 *   away), ENOMEM.
 *
 * NOGAP_CMD_CALL: call a guest kernel function (CAP_NET_ADMIN).
 *
 *   Request:
 *	NOGAP_A_VM_ID: NLA_U32, required
 *	NOGAP_A_FUNC_NAME: NLA_NUL_STRING, an identified function (at most
 *	    63 bytes), or
 *	NOGAP_A_FUNC_ADDR: NLA_U64, the start of an identified function
 *	NOGAP_A_CALL_ARGS: NLA_NESTED, optional, up to 6 NLA_U64 elements
 *	    (any type numbers) in order: rdi, rsi, rdx, rcx, r8, r9
 *	NOGAP_A_CALL_TIMEOUT: NLA_U32, optional, 1 to 60000 ms (2000)
 *
 *   The call is made at the next "safe stop": breakpoints on system-call
 *   functions the identification named; the first vCPU that enters one
 *   in kernel mode with interrupts on runs the function on its stack and
 *   gets every register back afterwards (docs/design.md). One call at a
 *   time per VM (a second caller waits for the first). Reply:
 *	NOGAP_A_VM_ID, NOGAP_A_FUNC_NAME, NOGAP_A_FUNC_ADDR
 *	NOGAP_A_CALL_RET: NLA_U64, RAX at the function's return
 *	NOGAP_A_CALL_MSECS: NLA_U32, from the request to the return
 *
 *   Errors: ENOENT (no such VM or function; no safe stop could be set),
 *   ETIMEDOUT (no vCPU reached a stop, or the function did not return in
 *   time: it is then left to run and restored when it returns, and calls
 *   are refused with EBUSY until it has), EINTR (the VM went away or the
 *   caller was interrupted), EINVAL (more than 6 arguments, bad sizes),
 *   EOPNOTSUPP (the vCPU exit path could not be hooked).
 *
 * NOGAP_CMD_WATCH: report each call of a guest function (CAP_NET_ADMIN).
 *
 *   Request:
 *	NOGAP_A_VM_ID: NLA_U32, required
 *	NOGAP_A_WATCH_OP: NLA_U8, required, enum nogap_watch_op
 *	START: NOGAP_A_FUNC_NAME or NOGAP_A_FUNC_ADDR as for CALL;
 *	    NOGAP_A_WATCH_FLAGS: NLA_U32, optional: NOGAP_WATCH_F_COUNT sends
 *	    no events, the breakpoint (owner NOGAP_BP_OWNER_BENCH) only
 *	    counts its hits (BP_GET shows them)
 *	STOP: NOGAP_A_BP_ID: NLA_U32, the breakpoint START returned
 *
 *   START sets a breakpoint at the function's first instruction and
 *   replies NOGAP_A_VM_ID, NOGAP_A_BP_ID, NOGAP_A_FUNC_NAME and
 *   NOGAP_A_FUNC_ADDR. The breakpoint belongs to the requesting socket:
 *   it is removed on STOP or when that socket is closed. Each call then
 *   becomes a NOGAP_EVENT_CALL event on the events group (at most 1000
 *   per second and watch; more count as drops) with
 *	NOGAP_A_FUNC_NAME, NOGAP_A_FUNC_ADDR, NOGAP_A_BP_ID
 *	NOGAP_A_CALL_ARGS: NLA_NESTED, 6 NLA_U64 (types 1 to 6): rdi, rsi,
 *	    rdx, rcx, r8, r9 at the function's entry
 *	NOGAP_A_HIT_RET_ADDR: NLA_U64, the return address ([rsp]; 0 when it
 *	    could not be read), NOGAP_A_HIT_RSP: NLA_U64
 *	NOGAP_A_HIT_VCPU: NLA_U32
 *
 *   Errors: ENOENT (no such VM or function, or no such breakpoint), EBUSY
 *   (an int3 is already there), EINVAL (the first instruction cannot be
 *   stepped over: the message says so), ENOSPC (256 breakpoints per VM),
 *   ENODATA (no kernel-mode anchor yet), ETIMEDOUT (vCPUs did not take
 *   the int3 intercept), EOPNOTSUPP (no exit-path hook).
 *
 * NOGAP_CMD_BP_GET: the breakpoints set in a VM (dump, CAP_NET_ADMIN).
 *
 *   Request: NOGAP_A_VM_ID, required. Each reply message holds
 *	NOGAP_A_VM_ID: NLA_U32
 *	NOGAP_A_BPS: NLA_NESTED
 *	    0: NLA_NESTED, one breakpoint
 *		NOGAP_BP_A_ID: NLA_U32
 *		NOGAP_BP_A_ADDR: NLA_U64, guest-virtual
 *		NOGAP_BP_A_GPA: NLA_U64, guest-physical address of the int3
 *		NOGAP_BP_A_NAME: NLA_NUL_STRING, the function
 *		NOGAP_BP_A_OWNER: NLA_U8, enum nogap_bp_owner
 *		NOGAP_BP_A_TAG: NLA_U32, the owner's tag (a watch: its portid)
 *		NOGAP_BP_A_HITS: NLA_U64
 *		NOGAP_BP_A_ORIG: NLA_BINARY, 1 to 15 bytes: the displaced
 *		    instruction (its first byte is what rmmod puts back)
 *		NOGAP_BP_A_STEP: NLA_U8, enum nogap_bp_step
 *	    1: NLA_NESTED
 *		...
 *   Errors in the NLMSG_DONE: EINVAL (no VM id), ENOENT (no such VM).
 *
 * NOGAP_CMD_POLICY_SET: replace the security policy (CAP_NET_ADMIN;
 *   docs/policy.md).
 *
 *   Request:
 *	NOGAP_A_POLICY_NAME: NLA_NUL_STRING, optional, a label for show (the
 *	    file name), at most NOGAP_POLICY_NAME_MAX bytes with the NUL
 *	NOGAP_A_POLICY_RULES: NLA_NESTED, optional (absent: no rules, the
 *	    built-in default), at most NOGAP_POLICY_RULES_MAX elements, in
 *	    the order they apply (the first match decides):
 *	    1: NLA_NESTED, one rule
 *		NOGAP_RULE_A_EVENT: NLA_U8, required, NOGAP_EVENT_HIDDEN_PROCESS
 *		    or NOGAP_EVENT_TEXT_WRITE
 *		NOGAP_RULE_A_ACTIONS: NLA_U32, required, NOGAP_ACTION_* (0:
 *		    ignore); KILL only for hidden-process
 *		NOGAP_RULE_A_VM: NLA_U32, optional, >= 1: that VM only
 *		NOGAP_RULE_A_LINE: NLA_U32, optional, for messages and show
 *		NOGAP_RULE_A_CONDS: NLA_NESTED, optional, at most
 *		    NOGAP_RULE_CONDS_MAX elements, all must hold:
 *		    1: NLA_NESTED
 *			NOGAP_COND_A_FIELD: NLA_U8, enum nogap_field, one of
 *			    the event's (comm, kthread / writer, target)
 *			NOGAP_COND_A_OP: NLA_U8, enum nogap_cond_op
 *			NOGAP_COND_A_VALUE: NLA_NUL_STRING, 1 to
 *			    NOGAP_COND_VALUE_MAX - 1 bytes; kthread: "yes"
 *			    or "no" with EQ or NE only
 *	    2: ...
 *   Everything is checked before anything changes; on any error the
 *   active policy stays and the extended ACK marks the offending
 *   attribute (its offset tells the rule) with a message that names the
 *   rule's line where the kernel formats messages. A valid policy
 *   replaces the active one atomically, bumps the generation, brings
 *   every VM's detectors in line and sends NOGAP_EVENT_POLICY_LOADED.
 *   Reply: NOGAP_A_POLICY_GENERATION, NOGAP_A_POLICY_NRULES and
 *   NOGAP_A_POLICY_NAME (when not empty). Errors: EINVAL, ERANGE, E2BIG
 *   (too many rules or conditions), ENOMEM.
 *
 * NOGAP_CMD_POLICY_GET: the active policy (dump, CAP_NET_ADMIN).
 *
 *   No attributes. Each message has NOGAP_A_POLICY_GENERATION (0: none
 *   was ever loaded), NOGAP_A_POLICY_NRULES, NOGAP_A_POLICY_NAME (when
 *   set) and NOGAP_A_POLICY_RULES with the next rules, as in POLICY_SET.
 *   A policy loaded during the dump flags the later messages
 *   NLM_F_DUMP_INTR: start over.
 *
 * NOGAP_CMD_EVENT: notifications, sent to the "events" group only.
 *
 *	NOGAP_A_EVENT_TYPE: NLA_U8, enum nogap_event
 *	NOGAP_A_VM_ID: NLA_U32 (VM events)
 *	NOGAP_A_VM_PID: NLA_U32 (VM events)
 *   NOGAP_EVENT_VM_ADDED also has NOGAP_A_VM_VCPUS and NOGAP_A_VM_VENDOR;
 *   NOGAP_EVENT_IDENTIFY_DONE has the attributes of the IDENTIFY reply;
 *   NOGAP_EVENT_SIGDB_LOADED has NOGAP_A_SIGDB_SIZE and
 *   NOGAP_A_SIGDB_GENERATION.
 *   Every event has NOGAP_A_EVENT_SEQ (NLA_U64, 1, 2, ... for the life
 *   of the module: a gap means lost events) and NOGAP_A_EVENT_DROPS
 *   (NLA_U64, events not delivered so far).
 *   NOGAP_EVENT_POLICY_LOADED has NOGAP_A_POLICY_GENERATION,
 *   NOGAP_A_POLICY_NRULES and NOGAP_A_POLICY_NAME (when set).
 *
 *   NOGAP_EVENT_TEXT_WRITE: the guest wrote to its kernel's code (the
 *   identified text range, write-tracked through KVM while the policy
 *   wants these events; writes by the host, such as breakpoints, are
 *   never reported). The write has happened; nothing is blocked.
 *	NOGAP_A_WRITE_GPA: NLA_U64, guest-physical address written
 *	NOGAP_A_WRITE_GVA: NLA_U64, the same byte at its kernel text address
 *	    (the guest may have written through another mapping)
 *	NOGAP_A_WRITE_LEN: NLA_U32, bytes written (by the first write)
 *	NOGAP_A_WRITE_COUNT: NLA_U32, writes this event stands for:
 *	    consecutive writes of one instruction on one vCPU to one page
 *	    are merged
 *	NOGAP_A_WRITER_RIP: NLA_U64, the writing instruction; absent when
 *	    unknown (a nested guest's write)
 *	NOGAP_A_HIT_VCPU: NLA_U32, the writer's vCPU index
 *	NOGAP_A_WRITER_FUNC: NLA_NUL_STRING, the identified function that
 *	    holds the RIP; absent when none does (a module, user space).
 *	    When that is a copy or fill routine (memcpy, __memmove, memset...:
 *	    leaves), the function its return address (the top of the stack
 *	    at the write) is in, the one that called it: text_poke's stores
 *	    run in memcpy, the writer is __text_poke
 *	NOGAP_A_WRITER_VIA: NLA_NUL_STRING, that copy routine, when so
 *	NOGAP_A_TARGET_FUNC: NLA_NUL_STRING, the identified function written
 *	    to; absent when none
 *	NOGAP_A_ACTIONS: NLA_U32, NOGAP_ACTION_* the policy chose
 *   At most 100 are sent per VM and second; the others, and writes the
 *   module could not queue, count in NOGAP_A_EVENT_DROPS.
 *
 *   NOGAP_EVENT_HIDDEN_PROCESS: a task runs that the guest's task list
 *   does not hold (a process hidden by unlinking it, DKOM). While the
 *   policy wants these events for a VM, a breakpoint on its context
 *   switch records each task switched to, and twice a second the module
 *   reads the list and judges the tasks that ran while off it: idle tasks,
 *   threads of listed processes and exiting tasks are fine; any other is
 *   reported once it has been seen running, unlisted and unchanged (pid,
 *   tgid, comm), in three rounds (1 to 1.5 s for a task that runs all the
 *   time, 2 to 2.5 s for one that wakes once a second).
 *   Each task is reported once; at most 4 a round.
 *	NOGAP_A_TASK: NLA_NESTED, the task, as in PS_GET
 *	NOGAP_A_ACTIONS: NLA_U32, NOGAP_ACTION_* the policy chose (KILL
 *	    never for a kernel thread)
 *
 *   NOGAP_EVENT_KILL: the result of a KILL action on a hidden process:
 *   its pid and comm read once more, then the guest kernel's own
 *   send_sig(SIGKILL, task, 1) called at a safe stop of a vCPU.
 *	NOGAP_A_TASK: NLA_NESTED, the task, as in the hidden-process event
 *	NOGAP_A_CALL_RET: NLA_U64, send_sig's return value (0: sent)
 *	NOGAP_A_ACTION_RESULT: NLA_U32, 0 when the signal was sent, else a
 *	    positive errno: ESRCH (the task is gone or changed), ENOENT (no
 *	    send_sig identified), the call's error (ETIMEDOUT, ...), or
 *	    send_sig's own
 *   Both are sent only with NOGAP_ACTION_REPORT; NOGAP_ACTION_LOG puts a
 *   line in the host's kernel log.
 *
 * Unknown commands are refused with EOPNOTSUPP by the generic netlink core.
 */
#ifndef _UAPI_LINUX_NOGAP_H
#define _UAPI_LINUX_NOGAP_H

#define NOGAP_GENL_NAME		"nogap"
#define NOGAP_GENL_VERSION	1
#define NOGAP_MCGRP_EVENTS	"events"

/* Largest DB the module accepts (the format's own limit). */
#define NOGAP_SIGDB_MAX_SIZE	(256u << 20)
/* Largest NOGAP_A_SIGDB_DATA payload in one message. */
#define NOGAP_SIGDB_CHUNK_MAX	61440
/* Largest NOGAP_A_SYM_FILTER, with its NUL. */
#define NOGAP_SYM_FILTER_MAX	128

enum nogap_cmd {
	NOGAP_CMD_UNSPEC,
	NOGAP_CMD_STATUS_GET,
	NOGAP_CMD_VM_GET,
	NOGAP_CMD_SIGDB_LOAD,
	NOGAP_CMD_IDENTIFY,
	NOGAP_CMD_SYMBOLS_GET,
	NOGAP_CMD_EVENT,
	NOGAP_CMD_PS_GET,
	NOGAP_CMD_CALL,
	NOGAP_CMD_WATCH,
	NOGAP_CMD_BP_GET,
	NOGAP_CMD_POLICY_SET,
	NOGAP_CMD_POLICY_GET,
	__NOGAP_CMD_MAX
};
#define NOGAP_CMD_MAX (__NOGAP_CMD_MAX - 1)

enum nogap_attr {
	NOGAP_A_UNSPEC,
	NOGAP_A_PAD,
	NOGAP_A_VM_ID,
	NOGAP_A_VM_PID,
	NOGAP_A_VM_VCPUS,
	NOGAP_A_VM_STATE,
	NOGAP_A_VM_VENDOR,
	NOGAP_A_VM_EXITS,
	NOGAP_A_ANCHOR_RIP,
	NOGAP_A_ANCHOR_CR3,
	NOGAP_A_ANCHOR_VCPU,
	NOGAP_A_IDENT_FLAGS,
	NOGAP_A_IDENT_STATE,
	NOGAP_A_IDENT_ERRNO,
	NOGAP_A_IDENT_MSG,
	NOGAP_A_IDENT_KERNEL,
	NOGAP_A_IDENT_TEXT_START,
	NOGAP_A_IDENT_TEXT_SIZE,
	NOGAP_A_IDENT_FRAGMENTS,
	NOGAP_A_IDENT_MATCHED,
	NOGAP_A_IDENT_SYMBOLS,
	NOGAP_A_IDENT_HOLES,
	NOGAP_A_IDENT_MSECS,
	NOGAP_A_SIGDB_OP,
	NOGAP_A_SIGDB_SIZE,
	NOGAP_A_SIGDB_OFFSET,
	NOGAP_A_SIGDB_DATA,
	NOGAP_A_SIGDB_CRC32,
	NOGAP_A_SIGDB_GENERATION,
	NOGAP_A_SIGDB_KERNELS,
	NOGAP_A_SYM_FILTER,
	NOGAP_A_SYMBOLS,
	NOGAP_A_STATUS_VERSION,
	NOGAP_A_STATUS_EXITS,
	NOGAP_A_STATUS_ANCHORS,
	NOGAP_A_STATUS_VMS,
	NOGAP_A_STATUS_VMS_SEEN,
	NOGAP_A_STATUS_IDENT_DONE,
	NOGAP_A_STATUS_IDENT_FAILED,
	NOGAP_A_STATUS_IDENT_RUNNING,
	NOGAP_A_STATUS_SIGDB_LOADED,
	NOGAP_A_EVENT_TYPE,
	NOGAP_A_EVENT_SEQ,		/* NLA_U64 */
	NOGAP_A_EVENT_DROPS,		/* NLA_U64 */
	NOGAP_A_TASKS,			/* NLA_NESTED of NOGAP_TASK_A_* */
	NOGAP_A_TASK,			/* NLA_NESTED: one task (events) */
	NOGAP_A_FUNC_NAME,		/* NLA_NUL_STRING */
	NOGAP_A_FUNC_ADDR,		/* NLA_U64 */
	NOGAP_A_CALL_ARGS,		/* NLA_NESTED of NLA_U64 */
	NOGAP_A_CALL_TIMEOUT,		/* NLA_U32, milliseconds */
	NOGAP_A_CALL_RET,		/* NLA_U64 */
	NOGAP_A_CALL_MSECS,		/* NLA_U32 */
	NOGAP_A_WATCH_OP,		/* NLA_U8, enum nogap_watch_op */
	NOGAP_A_BP_ID,			/* NLA_U32 */
	NOGAP_A_BPS,			/* NLA_NESTED of NOGAP_BP_A_* */
	NOGAP_A_HIT_VCPU,		/* NLA_U32 */
	NOGAP_A_HIT_RET_ADDR,		/* NLA_U64 */
	NOGAP_A_HIT_RSP,		/* NLA_U64 */
	NOGAP_A_POLICY_RULES,		/* NLA_NESTED of NOGAP_RULE_A_* */
	NOGAP_A_POLICY_GENERATION,	/* NLA_U32 */
	NOGAP_A_POLICY_NAME,		/* NLA_NUL_STRING */
	NOGAP_A_ACTIONS,		/* NLA_U32, NOGAP_ACTION_* */
	NOGAP_A_ACTION_RESULT,		/* NLA_U32, positive errno, 0 ok */
	NOGAP_A_WRITE_GPA,		/* NLA_U64 */
	NOGAP_A_WRITE_GVA,		/* NLA_U64 */
	NOGAP_A_WRITE_LEN,		/* NLA_U32 */
	NOGAP_A_WRITER_RIP,		/* NLA_U64 */
	NOGAP_A_WRITER_FUNC,		/* NLA_NUL_STRING */
	NOGAP_A_TARGET_FUNC,		/* NLA_NUL_STRING */
	NOGAP_A_STATUS_INSTR,		/* NLA_NESTED of NOGAP_INSTR_A_* */
	NOGAP_A_POLICY_NRULES,		/* NLA_U32, rules of the active policy */
	NOGAP_A_WRITE_COUNT,		/* NLA_U32, writes one event stands for */
	NOGAP_A_WRITER_VIA,		/* NLA_NUL_STRING, copy routine used */
	NOGAP_A_WATCH_FLAGS,		/* NLA_U32, NOGAP_WATCH_F_* */
	__NOGAP_A_MAX
};
#define NOGAP_A_MAX (__NOGAP_A_MAX - 1)

/* Inside each element of NOGAP_A_SYMBOLS. */
enum nogap_sym_attr {
	NOGAP_SYM_A_UNSPEC,
	NOGAP_SYM_A_PAD,
	NOGAP_SYM_A_NAME,
	NOGAP_SYM_A_ADDR,
	NOGAP_SYM_A_SIZE,
	NOGAP_SYM_A_EVIDENCE,
	NOGAP_SYM_A_CONFIDENCE,
	__NOGAP_SYM_A_MAX
};
#define NOGAP_SYM_A_MAX (__NOGAP_SYM_A_MAX - 1)

/* Inside each element of NOGAP_A_SIGDB_KERNELS. */
enum nogap_kernel_attr {
	NOGAP_KERNEL_A_UNSPEC,
	NOGAP_KERNEL_A_PAD,
	NOGAP_KERNEL_A_LABEL,
	NOGAP_KERNEL_A_TEXT_SIZE,
	NOGAP_KERNEL_A_FRAGMENTS,
	NOGAP_KERNEL_A_NAMES,
	__NOGAP_KERNEL_A_MAX
};
#define NOGAP_KERNEL_A_MAX (__NOGAP_KERNEL_A_MAX - 1)

/* One task: an element of NOGAP_A_TASKS, or NOGAP_A_TASK in events. */
enum nogap_task_attr {
	NOGAP_TASK_A_UNSPEC,
	NOGAP_TASK_A_PAD,
	NOGAP_TASK_A_ADDR,	/* NLA_U64, guest-virtual task_struct */
	NOGAP_TASK_A_PID,	/* NLA_U32 */
	NOGAP_TASK_A_TGID,	/* NLA_U32 */
	NOGAP_TASK_A_PPID,	/* NLA_U32, real parent's tgid */
	NOGAP_TASK_A_COMM,	/* NLA_NUL_STRING, at most 16 bytes */
	NOGAP_TASK_A_STATE,	/* NLA_U32, the guest's __state word */
	NOGAP_TASK_A_KTHREAD,	/* NLA_U8, 1 for a kernel thread */
	NOGAP_TASK_A_MM,	/* NLA_U64, guest-virtual mm_struct, 0: none */
	__NOGAP_TASK_A_MAX
};
#define NOGAP_TASK_A_MAX (__NOGAP_TASK_A_MAX - 1)

/* One breakpoint: an element of NOGAP_A_BPS. */
enum nogap_bp_attr {
	NOGAP_BP_A_UNSPEC,
	NOGAP_BP_A_PAD,
	NOGAP_BP_A_ID,		/* NLA_U32 */
	NOGAP_BP_A_ADDR,	/* NLA_U64 */
	NOGAP_BP_A_NAME,	/* NLA_NUL_STRING, function */
	NOGAP_BP_A_OWNER,	/* NLA_U8, enum nogap_bp_owner */
	NOGAP_BP_A_HITS,	/* NLA_U64 */
	NOGAP_BP_A_ORIG,	/* NLA_BINARY, the displaced instruction */
	NOGAP_BP_A_GPA,		/* NLA_U64, guest-physical address */
	NOGAP_BP_A_TAG,		/* NLA_U32, owner's tag (watch: portid) */
	NOGAP_BP_A_STEP,	/* NLA_U8, enum nogap_bp_step */
	__NOGAP_BP_A_MAX
};
#define NOGAP_BP_A_MAX (__NOGAP_BP_A_MAX - 1)

enum nogap_bp_owner {
	NOGAP_BP_OWNER_WATCH = 1,	/* NOGAP_CMD_WATCH */
	NOGAP_BP_OWNER_SCHED,		/* hidden-process detection */
	NOGAP_BP_OWNER_STOP,		/* safe stops for calls */
	NOGAP_BP_OWNER_BENCH,
};

/* NOGAP_BP_A_STEP: how a hit steps over the displaced instruction. */
enum nogap_bp_step {
	NOGAP_BP_STEP_SKIP = 1,		/* a no-op: RIP moves past it */
	NOGAP_BP_STEP_EMULATE,		/* KVM's instruction emulator */
};

/* NOGAP_A_WATCH_OP */
enum nogap_watch_op {
	NOGAP_WATCH_START = 1,
	NOGAP_WATCH_STOP,
};

/* NOGAP_A_WATCH_FLAGS */
#define NOGAP_WATCH_F_COUNT	(1u << 0)	/* no events: count hits only */
#define NOGAP_WATCH_F_ALL	0x1u

/* Instrumentation counters: NOGAP_A_STATUS_INSTR. */
enum nogap_instr_attr {
	NOGAP_INSTR_A_UNSPEC,
	NOGAP_INSTR_A_PAD,
	NOGAP_INSTR_A_BPS,		/* NLA_U32, breakpoints set now */
	NOGAP_INSTR_A_HITS,		/* NLA_U64, breakpoint hits */
	NOGAP_INSTR_A_FOREIGN_BP,	/* NLA_U64, #BP re-injected */
	NOGAP_INSTR_A_EMUL_FAIL,	/* NLA_U64, step-overs that failed */
	NOGAP_INSTR_A_CALLS,		/* NLA_U64, guest calls done */
	NOGAP_INSTR_A_CALL_TIMEOUTS,	/* NLA_U64 */
	NOGAP_INSTR_A_TEXT_WRITES,	/* NLA_U64 */
	NOGAP_INSTR_A_EVENTS,		/* NLA_U64, events sent */
	NOGAP_INSTR_A_EVENT_DROPS,	/* NLA_U64, events lost */
	NOGAP_INSTR_A_HOOKED,		/* NLA_U8, exit-path hook installed */
	NOGAP_INSTR_A_SOFT_INT,		/* NLA_U64, INT n re-injected (SVM) */
	NOGAP_INSTR_A_STALE,		/* NLA_U64, traps at a removed bp */
	NOGAP_INSTR_A_REWRITTEN,	/* NLA_U64, bps the guest overwrote */
	NOGAP_INSTR_A_ARM_TIMEOUTS,	/* NLA_U64, vcpus slow to (dis)arm */
	__NOGAP_INSTR_A_MAX
};
#define NOGAP_INSTR_A_MAX (__NOGAP_INSTR_A_MAX - 1)

/* One policy rule: an element of NOGAP_A_POLICY_RULES (docs/policy.md). */
enum nogap_rule_attr {
	NOGAP_RULE_A_UNSPEC,
	NOGAP_RULE_A_EVENT,	/* NLA_U8, enum nogap_event, required */
	NOGAP_RULE_A_VM,	/* NLA_U32, VM id; absent: every VM */
	NOGAP_RULE_A_ACTIONS,	/* NLA_U32, NOGAP_ACTION_*, required */
	NOGAP_RULE_A_CONDS,	/* NLA_NESTED of NOGAP_COND_A_* elements */
	NOGAP_RULE_A_LINE,	/* NLA_U32, line in the policy file */
	__NOGAP_RULE_A_MAX
};
#define NOGAP_RULE_A_MAX (__NOGAP_RULE_A_MAX - 1)

/* A condition of a rule: FIELD OP VALUE, all must hold. */
enum nogap_cond_attr {
	NOGAP_COND_A_UNSPEC,
	NOGAP_COND_A_FIELD,	/* NLA_U8, enum nogap_field */
	NOGAP_COND_A_OP,	/* NLA_U8, enum nogap_cond_op */
	NOGAP_COND_A_VALUE,	/* NLA_NUL_STRING, NOGAP_COND_VALUE_MAX */
	__NOGAP_COND_A_MAX
};
#define NOGAP_COND_A_MAX (__NOGAP_COND_A_MAX - 1)
#define NOGAP_COND_VALUE_MAX	64
#define NOGAP_POLICY_RULES_MAX	256
#define NOGAP_RULE_CONDS_MAX	8
/* Largest NOGAP_A_POLICY_NAME, with its NUL. */
#define NOGAP_POLICY_NAME_MAX	256

enum nogap_field {
	NOGAP_FIELD_COMM = 1,	/* hidden-process: the task's comm */
	NOGAP_FIELD_KTHREAD,	/* hidden-process: "yes" or "no" */
	NOGAP_FIELD_WRITER,	/* text-write: function of the writer's RIP */
	NOGAP_FIELD_TARGET,	/* text-write: function written to */
	__NOGAP_FIELD_MAX
};

enum nogap_cond_op {
	NOGAP_OP_EQ = 1,	/* =, exact */
	NOGAP_OP_NE,		/* != */
	NOGAP_OP_GLOB,		/* ~, glob with * ? [] */
	NOGAP_OP_NGLOB,		/* !~ */
	__NOGAP_OP_MAX
};

/* NOGAP_A_ACTIONS, NOGAP_RULE_A_ACTIONS: what is done with an event. */
#define NOGAP_ACTION_REPORT	(1u << 0)	/* send the event */
#define NOGAP_ACTION_LOG	(1u << 1)	/* and to the kernel log */
#define NOGAP_ACTION_KILL	(1u << 2)	/* hidden-process: kill it */
#define NOGAP_ACTION_ALL	0x7u
/* An empty action set ("ignore") drops the event. */

/* NOGAP_A_SIGDB_OP */
enum nogap_sigdb_op {
	NOGAP_SIGDB_BEGIN = 1,
	NOGAP_SIGDB_CHUNK,
	NOGAP_SIGDB_COMMIT,
	NOGAP_SIGDB_ABORT,
	__NOGAP_SIGDB_OP_MAX
};
#define NOGAP_SIGDB_OP_MAX (__NOGAP_SIGDB_OP_MAX - 1)

/* NOGAP_A_IDENT_FLAGS */
#define NOGAP_IDENTIFY_F_QUERY		(1u << 0)	/* only report */
#define NOGAP_IDENTIFY_F_RESTART	(1u << 1)	/* again if done */
#define NOGAP_IDENTIFY_F_ALL		0x3u

/* NOGAP_A_VM_STATE */
enum nogap_vm_state {
	NOGAP_VM_RUNNING = 1,	/* watched, its VMM holds it */
	NOGAP_VM_EXITING,	/* its VMM closed it: being released */
};

/* NOGAP_A_VM_VENDOR */
enum nogap_vendor {
	NOGAP_VENDOR_UNKNOWN = 0,
	NOGAP_VENDOR_VMX,	/* Intel VT-x */
	NOGAP_VENDOR_SVM,	/* AMD-V */
};

/* NOGAP_A_IDENT_STATE */
enum nogap_ident_state {
	NOGAP_IDENT_NONE = 0,	/* never asked */
	NOGAP_IDENT_QUEUED,
	NOGAP_IDENT_RUNNING,
	NOGAP_IDENT_DONE,
	NOGAP_IDENT_FAILED,
};

/* NOGAP_SYM_A_EVIDENCE: what named the symbol (docs/design.md). */
enum nogap_evidence {
	NOGAP_EV_NONE = 0,
	NOGAP_EV_HASH,		/* exact code hash, unique */
	NOGAP_EV_HASH_ORDER,	/* exact hash, unique between neighbours */
	NOGAP_EV_CALLGRAPH,	/* called at the same site by a named caller */
	NOGAP_EV_LOOSE,		/* hash without constants, unique */
	NOGAP_EV_LOOSE_ORDER,	/* hash without constants, between neighbours */
	NOGAP_EV_ORDER,		/* same place between named neighbours */
	__NOGAP_EV_MAX
};

/* NOGAP_A_EVENT_TYPE */
enum nogap_event {
	NOGAP_EVENT_VM_ADDED = 1,
	NOGAP_EVENT_VM_REMOVED,
	NOGAP_EVENT_IDENTIFY_DONE,	/* also when it failed: see IDENT_STATE */
	NOGAP_EVENT_SIGDB_LOADED,
	NOGAP_EVENT_HIDDEN_PROCESS,	/* a task runs that the list lacks */
	NOGAP_EVENT_KILL,		/* result of a kill action */
	NOGAP_EVENT_TEXT_WRITE,		/* a write to guest kernel text */
	NOGAP_EVENT_CALL,		/* a watched function was called */
	NOGAP_EVENT_POLICY_LOADED,
	__NOGAP_EVENT_MAX
};

#endif /* _UAPI_LINUX_NOGAP_H */
