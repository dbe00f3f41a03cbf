// SPDX-License-Identifier: GPL-2.0
/*
 * test_monitor.c - how nogapctl prints what nogap.ko reports: `monitor`'s
 * rendering of every event type (module-added and module-removed too),
 * `watch`'s of the calls of its breakpoint and `call`'s of a result, from
 * genl messages built here as nogap.ko builds them: the exact JSON object
 * (time left out) and text line, malformed events refused, and lost
 * events (a gap in the sequence numbers) reported on stderr.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "ng_env.h"
#include "nl.h"
#include "ut.h"

static struct nl_msg *ev(u8 type, u64 seq, u64 drops, u32 vm)
{
	struct nl_msg *m = nlmsg_alloc_size(4096);

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	genlmsg_put(m, 0, 0, 0x20, 0, 0, NOGAP_CMD_EVENT, 1);
	nla_put_u8(m, NOGAP_A_EVENT_TYPE, type);
	nla_put_u64(m, NOGAP_A_EVENT_SEQ, seq);
	nla_put_u64(m, NOGAP_A_EVENT_DROPS, drops);
	if (vm) {
		nla_put_u32(m, NOGAP_A_VM_ID, vm);
		nla_put_u32(m, NOGAP_A_VM_PID, 4242);
	}
	return m;
}

static void put_task(struct nl_msg *m, bool full)
{
	struct nlattr *t = nla_nest_start(m, NOGAP_A_TASK);

	nla_put_u64(m, NOGAP_TASK_A_ADDR, 0xffff888004a1c000ull);
	nla_put_u32(m, NOGAP_TASK_A_PID, 311);
	nla_put_u32(m, NOGAP_TASK_A_TGID, 310);
	nla_put_string(m, NOGAP_TASK_A_COMM, "hid\"den\x01");
	if (full)
		nla_put_u8(m, NOGAP_TASK_A_KTHREAD, 0);
	nla_nest_end(m, t);
}

/* Cut "time":1764115200.123, out of a JSON line. */
static void cut_time(char *json)
{
	char *p, *q;

	p = strstr(json, "\"time\":");
	if (!p)
		return;
	q = strchr(p, ',');
	if (q)
		memmove(p, q + 1, strlen(q + 1) + 1);
}

/* Render m (freed); *json and *text are the two forms, "time" cut out. */
static int render(struct nl_msg *m, char **json, char **text,
		  unsigned long long *last)
{
	unsigned long long l2 = 0;	/* the text pass: no second warning */
	size_t n;
	FILE *f;
	int ret;

	f = open_memstream(json, &n);
	ret = ng_monitor_event(f, true, nlmsg_hdr(m), last);
	fclose(f);
	f = open_memstream(text, &n);
	ng_monitor_event(f, false, nlmsg_hdr(m), &l2);
	fclose(f);
	nlmsg_free(m);
	cut_time(*json);
	return ret;
}

/* got is want, or both are shown. */
static void same(const char *what, const char *got, const char *want)
{
	if (strcmp(got, want))
		fprintf(stderr, "\n%s: got  %s%s: want %s\n", what, got, what,
			want);
	CU_ASSERT_STRING_EQUAL(got, want);
}

static void expect(struct nl_msg *m, const char *want_json,
		   const char *want_text)
{
	unsigned long long last = 0;
	char *json = NULL, *text = NULL;

	CU_ASSERT_EQUAL(render(m, &json, &text, &last), 0);
	same("json", json, want_json);
	same("text", text, want_text);
	free(json);
	free(text);
}

static void test_hidden_and_kill(void)
{
	struct nl_msg *m;

	m = ev(NOGAP_EVENT_HIDDEN_PROCESS, 7, 1, 2);
	put_task(m, true);
	nla_put_u32(m, NOGAP_A_ACTIONS, NOGAP_ACTION_REPORT | NOGAP_ACTION_KILL);
	expect(m,
	       "{\"type\":\"hidden-process\",\"seq\":7,\"drops\":1,\"vm\":2,\"vm_pid\":4242,"
	       "\"pid\":311,\"tgid\":310,\"comm\":\"hid\\\"den\\u0001\",\"task\":\"0xffff888004a1c000\","
	       "\"kthread\":false,\"actions\":[\"report\",\"kill\"]}\n",
	       "hidden-process seq 7 drops 1 vm 2 vm_pid 4242 pid 311 tgid 310 comm \"hid?den?\" "
	       "task 0xffff888004a1c000 kthread no actions report,kill\n");

	m = ev(NOGAP_EVENT_KILL, 8, 1, 2);
	put_task(m, false);
	nla_put_u32(m, NOGAP_A_ACTION_RESULT, 3);
	nla_put_u64(m, NOGAP_A_CALL_RET, (u64)-3);
	expect(m,
	       "{\"type\":\"kill\",\"seq\":8,\"drops\":1,\"vm\":2,\"vm_pid\":4242,\"pid\":311,"
	       "\"comm\":\"hid\\\"den\\u0001\",\"task\":\"0xffff888004a1c000\",\"result\":3,"
	       "\"ret\":\"0xfffffffffffffffd\"}\n",
	       "kill seq 8 drops 1 vm 2 vm_pid 4242 pid 311 comm \"hid?den?\" task 0xffff888004a1c000 "
	       "result 3 ret 0xfffffffffffffffd\n");
}

static void test_text_write(void)
{
	struct nl_msg *m;

	m = ev(NOGAP_EVENT_TEXT_WRITE, 9, 0, 1);
	nla_put_u64(m, NOGAP_A_WRITE_GPA, 0x7f549d1);
	nla_put_u64(m, NOGAP_A_WRITE_GVA, 0xffffffff99d549d1ull);
	nla_put_u32(m, NOGAP_A_WRITE_LEN, 1);
	nla_put_u64(m, NOGAP_A_WRITER_RIP, 0xffffffffc05ce02bull);
	nla_put_string(m, NOGAP_A_TARGET_FUNC, "msleep");
	nla_put_string(m, NOGAP_A_WRITER_VIA, "memcpy_erms");
	nla_put_u32(m, NOGAP_A_WRITE_COUNT, 2);
	nla_put_u32(m, NOGAP_A_HIT_VCPU, 1);
	nla_put_u32(m, NOGAP_A_ACTIONS, NOGAP_ACTION_REPORT);
	expect(m,
	       "{\"type\":\"text-write\",\"seq\":9,\"drops\":0,\"vm\":1,\"vm_pid\":4242,"
	       "\"gpa\":\"0x7f549d1\",\"gva\":\"0xffffffff99d549d1\",\"len\":1,"
	       "\"writer_rip\":\"0xffffffffc05ce02b\",\"writer\":null,\"via\":\"memcpy_erms\",\"target\":\"msleep\","
	       "\"count\":2,\"vcpu\":1,\"actions\":[\"report\"]}\n",
	       "text-write seq 9 drops 0 vm 1 vm_pid 4242 gpa 0x7f549d1 gva 0xffffffff99d549d1 len 1 "
	       "writer_rip 0xffffffffc05ce02b writer - via \"memcpy_erms\" target \"msleep\" count 2 vcpu 1 actions report\n");
}

static void test_call(void)
{
	struct nl_msg *m;
	struct nlattr *a;

	m = ev(NOGAP_EVENT_CALL, 10, 0, 1);
	nla_put_string(m, NOGAP_A_FUNC_NAME, "do_sys_openat2");
	nla_put_u64(m, NOGAP_A_FUNC_ADDR, 0xffffffff9b8e1a30ull);
	a = nla_nest_start(m, NOGAP_A_CALL_ARGS);
	nla_put_u64(m, 1, 0xffffff9c);
	nla_put_u64(m, 2, 0x7ffd0000);
	nla_nest_end(m, a);
	nla_put_u64(m, NOGAP_A_HIT_RET_ADDR, 0xffffffff9b8e1c55ull);
	nla_put_u32(m, NOGAP_A_HIT_VCPU, 0);
	expect(m,
	       "{\"type\":\"call\",\"seq\":10,\"drops\":0,\"vm\":1,\"vm_pid\":4242,"
	       "\"func\":\"do_sys_openat2\",\"addr\":\"0xffffffff9b8e1a30\","
	       "\"args\":[\"0xffffff9c\",\"0x7ffd0000\"],\"ret_addr\":\"0xffffffff9b8e1c55\",\"vcpu\":0}\n",
	       "call seq 10 drops 0 vm 1 vm_pid 4242 func \"do_sys_openat2\" addr 0xffffffff9b8e1a30 "
	       "args 0xffffff9c,0x7ffd0000 ret_addr 0xffffffff9b8e1c55 vcpu 0\n");
}

static void test_policy_and_vm(void)
{
	struct nl_msg *m;

	m = ev(NOGAP_EVENT_POLICY_LOADED, 11, 0, 0);
	nla_put_u32(m, NOGAP_A_POLICY_GENERATION, 3);
	nla_put_string(m, NOGAP_A_POLICY_NAME, "/etc/nogap/nogap.policy");
	nla_put_u32(m, NOGAP_A_POLICY_NRULES, 11);
	expect(m,
	       "{\"type\":\"policy-loaded\",\"seq\":11,\"drops\":0,\"vm\":null,\"generation\":3,"
	       "\"name\":\"/etc/nogap/nogap.policy\",\"rules\":11}\n",
	       "policy-loaded seq 11 drops 0 generation 3 name \"/etc/nogap/nogap.policy\" rules 11\n");

	m = ev(NOGAP_EVENT_VM_ADDED, 1, 0, 5);
	nla_put_u32(m, NOGAP_A_VM_VCPUS, 2);
	nla_put_u8(m, NOGAP_A_VM_VENDOR, NOGAP_VENDOR_SVM);
	expect(m,
	       "{\"type\":\"vm-added\",\"seq\":1,\"drops\":0,\"vm\":5,\"pid\":4242,\"vcpus\":2,"
	       "\"vendor\":\"svm\"}\n",
	       "vm-added seq 1 drops 0 vm 5 pid 4242 vcpus 2 vendor \"svm\"\n");

	m = ev(NOGAP_EVENT_SIGDB_LOADED, 2, 0, 0);
	nla_put_u64(m, NOGAP_A_SIGDB_SIZE, 1000);
	nla_put_u32(m, NOGAP_A_SIGDB_GENERATION, 1);
	expect(m,
	       "{\"type\":\"sigdb-loaded\",\"seq\":2,\"drops\":0,\"vm\":null,\"size\":1000,"
	       "\"generation\":1}\n",
	       "sigdb-loaded seq 2 drops 0 size 1000 generation 1\n");
}

static void test_vm_events(void)
{
	struct nl_msg *m;

	m = ev(NOGAP_EVENT_VM_REMOVED, 3, 0, 5);
	expect(m,
	       "{\"type\":\"vm-removed\",\"seq\":3,\"drops\":0,\"vm\":5,\"pid\":4242}\n",
	       "vm-removed seq 3 drops 0 vm 5 pid 4242\n");

	m = ev(NOGAP_EVENT_VM_ADDED, 4, 0, 6);
	nla_put_u32(m, NOGAP_A_VM_VCPUS, 1);
	nla_put_u8(m, NOGAP_A_VM_VENDOR, NOGAP_VENDOR_VMX);
	expect(m,
	       "{\"type\":\"vm-added\",\"seq\":4,\"drops\":0,\"vm\":6,\"pid\":4242,\"vcpus\":1,"
	       "\"vendor\":\"vmx\"}\n",
	       "vm-added seq 4 drops 0 vm 6 pid 4242 vcpus 1 vendor \"vmx\"\n");

	m = ev(NOGAP_EVENT_VM_ADDED, 5, 0, 7);
	nla_put_u8(m, NOGAP_A_VM_VENDOR, 9);
	expect(m,
	       "{\"type\":\"vm-added\",\"seq\":5,\"drops\":0,\"vm\":7,\"pid\":4242,"
	       "\"vendor\":\"unknown\"}\n",
	       "vm-added seq 5 drops 0 vm 7 pid 4242 vendor \"unknown\"\n");
}

static void test_identify_done(void)
{
	struct nl_msg *m;

	m = ev(NOGAP_EVENT_IDENTIFY_DONE, 12, 0, 3);
	nla_put_u8(m, NOGAP_A_IDENT_STATE, NOGAP_IDENT_DONE);
	nla_put_string(m, NOGAP_A_IDENT_KERNEL, "6.1.0-50-amd64");
	nla_put_u64(m, NOGAP_A_IDENT_TEXT_START, 0xffffffff81000000ull);
	nla_put_u64(m, NOGAP_A_IDENT_TEXT_SIZE, 0x1000000);
	nla_put_u32(m, NOGAP_A_IDENT_FRAGMENTS, 100);
	nla_put_u32(m, NOGAP_A_IDENT_MATCHED, 90);
	nla_put_u32(m, NOGAP_A_IDENT_SYMBOLS, 46064);
	nla_put_u32(m, NOGAP_A_IDENT_HOLES, 2);
	nla_put_u32(m, NOGAP_A_IDENT_MSECS, 1234);
	nla_put_u64(m, NOGAP_A_ANCHOR_RIP, 0xffffffff81a0b2c3ull);
	nla_put_u64(m, NOGAP_A_ANCHOR_CR3, 0x10a000);
	nla_put_u32(m, NOGAP_A_ANCHOR_VCPU, 1);
	expect(m,
	       "{\"type\":\"identify-done\",\"seq\":12,\"drops\":0,\"vm\":3,\"pid\":4242,"
	       "\"state\":\"done\",\"kernel\":\"6.1.0-50-amd64\",\"symbols\":46064,"
	       "\"text\":{\"start\":\"0xffffffff81000000\",\"size\":16777216,\"fragments\":100,"
	       "\"matched\":90,\"unreadable_pages\":2},\"milliseconds\":1234,"
	       "\"anchor\":{\"rip\":\"0xffffffff81a0b2c3\",\"cr3\":\"0x10a000\",\"vcpu\":1}}\n",
	       "identify-done seq 12 drops 0 vm 3 pid 4242 done: 46064 symbols, kernel like 6.1.0-50-amd64\n");

	m = ev(NOGAP_EVENT_IDENTIFY_DONE, 13, 0, 3);
	nla_put_u8(m, NOGAP_A_IDENT_STATE, NOGAP_IDENT_FAILED);
	nla_put_u32(m, NOGAP_A_IDENT_ERRNO, ENOENT);
	nla_put_string(m, NOGAP_A_IDENT_MSG, "no kernel text found");
	expect(m,
	       "{\"type\":\"identify-done\",\"seq\":13,\"drops\":0,\"vm\":3,\"pid\":4242,"
	       "\"state\":\"failed\",\"error\":\"No such file or directory\","
	       "\"message\":\"no kernel text found\"}\n",
	       "identify-done seq 13 drops 0 vm 3 pid 4242 failed: no kernel text found "
	       "(No such file or directory)\n");

	m = ev(NOGAP_EVENT_IDENTIFY_DONE, 14, 0, 3);
	nla_put_u8(m, NOGAP_A_IDENT_STATE, NOGAP_IDENT_RUNNING);
	expect(m,
	       "{\"type\":\"identify-done\",\"seq\":14,\"drops\":0,\"vm\":3,\"pid\":4242,"
	       "\"state\":\"running\"}\n",
	       "identify-done seq 14 drops 0 vm 3 pid 4242 running\n");

	/* no state: nothing of an identification */
	m = ev(NOGAP_EVENT_IDENTIFY_DONE, 15, 0, 3);
	expect(m,
	       "{\"type\":\"identify-done\",\"seq\":15,\"drops\":0,\"vm\":3,\"pid\":4242}\n",
	       "identify-done seq 15 drops 0 vm 3 pid 4242\n");
}

/* Absent members, empty arrays, strings that text must not show as they are. */
static void test_partial_events(void)
{
	struct nl_msg *m;
	struct nlattr *a;

	m = ev(NOGAP_EVENT_HIDDEN_PROCESS, 16, 2, 2);
	a = nla_nest_start(m, NOGAP_A_TASK);
	nla_put_u32(m, NOGAP_TASK_A_PID, 1);
	nla_put_u8(m, NOGAP_TASK_A_KTHREAD, 1);
	nla_nest_end(m, a);
	nla_put_u32(m, NOGAP_A_ACTIONS, 0);
	expect(m,
	       "{\"type\":\"hidden-process\",\"seq\":16,\"drops\":2,\"vm\":2,\"vm_pid\":4242,"
	       "\"pid\":1,\"kthread\":true,\"actions\":[]}\n",
	       "hidden-process seq 16 drops 2 vm 2 vm_pid 4242 pid 1 kthread yes actions -\n");

	/* a task that does not parse shows nothing of it */
	m = ev(NOGAP_EVENT_KILL, 17, 0, 2);
	a = nla_nest_start(m, NOGAP_A_TASK);
	nla_put_u16(m, NOGAP_TASK_A_PID, 1);
	nla_nest_end(m, a);
	nla_put_u32(m, NOGAP_A_ACTION_RESULT, 0);
	expect(m,
	       "{\"type\":\"kill\",\"seq\":17,\"drops\":0,\"vm\":2,\"vm_pid\":4242,\"result\":0}\n",
	       "kill seq 17 drops 0 vm 2 vm_pid 4242 result 0\n");

	m = ev(NOGAP_EVENT_TEXT_WRITE, 18, 0, 1);
	nla_put_string(m, NOGAP_A_WRITER_FUNC, "caf\xc3\xa9\n");
	nla_put_u32(m, NOGAP_A_ACTIONS, NOGAP_ACTION_ALL);
	expect(m,
	       "{\"type\":\"text-write\",\"seq\":18,\"drops\":0,\"vm\":1,\"vm_pid\":4242,"
	       "\"writer\":\"caf\xc3\xa9\\n\",\"target\":null,\"actions\":[\"report\",\"log\",\"kill\"]}\n",
	       "text-write seq 18 drops 0 vm 1 vm_pid 4242 writer \"caf???\" target - "
	       "actions report,log,kill\n");

	/* args: empty, padding and elements of the wrong size skipped */
	m = ev(NOGAP_EVENT_CALL, 19, 0, 1);
	nla_put(m, NOGAP_A_CALL_ARGS, 0, NULL);	/* nla_nest_end drops it */
	expect(m,
	       "{\"type\":\"call\",\"seq\":19,\"drops\":0,\"vm\":1,\"vm_pid\":4242,\"args\":[]}\n",
	       "call seq 19 drops 0 vm 1 vm_pid 4242 args -\n");

	m = ev(NOGAP_EVENT_CALL, 20, 0, 1);
	a = nla_nest_start(m, NOGAP_A_CALL_ARGS);
	nla_put(m, 0, 0, NULL);
	nla_put_u64(m, 1, 1);
	nla_put_u32(m, 2, 5);
	nla_put_u64(m, 3, 2);
	nla_nest_end(m, a);
	expect(m,
	       "{\"type\":\"call\",\"seq\":20,\"drops\":0,\"vm\":1,\"vm_pid\":4242,"
	       "\"args\":[\"0x1\",\"0x2\"]}\n",
	       "call seq 20 drops 0 vm 1 vm_pid 4242 args 0x1,0x2\n");

	m = ev(NOGAP_EVENT_POLICY_LOADED, 21, 0, 0);
	expect(m,
	       "{\"type\":\"policy-loaded\",\"seq\":21,\"drops\":0,\"vm\":null,\"name\":null}\n",
	       "policy-loaded seq 21 drops 0 name -\n");

	/* a type of a newer module: the members every event has */
	m = ev(99, 22, 0, 1);
	expect(m,
	       "{\"type\":\"unknown\",\"seq\":22,\"drops\":0,\"vm\":1,\"vm_pid\":4242}\n",
	       "unknown seq 22 drops 0 vm 1 vm_pid 4242\n");
}

static void expect_module(bool added, const char *want_json,
			  const char *want_text)
{
	char *json = NULL, *text = NULL;
	size_t n;
	FILE *f;

	f = open_memstream(&json, &n);
	ng_monitor_module_event(f, true, added);
	fclose(f);
	f = open_memstream(&text, &n);
	ng_monitor_module_event(f, false, added);
	fclose(f);
	cut_time(json);
	same("json", json, want_json);
	same("text", text, want_text);
	free(json);
	free(text);
}

static void test_module_events(void)
{
	expect_module(true, "{\"type\":\"module-added\",\"vm\":null}\n",
		      "module-added\n");
	expect_module(false, "{\"type\":\"module-removed\",\"vm\":null}\n",
		      "module-removed\n");
}

/* ---- call ---- */

static void expect_call(const struct ng_call_result *r, const char *want_json,
			const char *want_text)
{
	char *json = NULL, *text = NULL;
	size_t n;
	FILE *f;

	f = open_memstream(&json, &n);
	CU_ASSERT_EQUAL(ng_call_print(f, true, r), 0);
	fclose(f);
	f = open_memstream(&text, &n);
	CU_ASSERT_EQUAL(ng_call_print(f, false, r), 0);
	fclose(f);
	same("json", json, want_json);
	same("text", text, want_text);
	free(json);
	free(text);
}

static void test_call_result(void)
{
	static const u64 args[] = { 1, 0xffffffffffffffffull };
	struct ng_call_result r = {
		.vm = 2, .func = "msleep", .addr = 0xffffffff81100000ull,
		.args = args, .nargs = 2, .ret = 0x1234, .msecs = 3,
	};

	expect_call(&r,
		    "{\"vm\":2,\"func\":\"msleep\",\"addr\":\"0xffffffff81100000\","
		    "\"args\":[\"0x1\",\"0xffffffffffffffff\"],\"ret\":4660,\"ret_hex\":\"0x1234\","
		    "\"ret_signed\":4660,\"msecs\":3}\n",
		    "4660\n");
	/* an errno: negative in text */
	r.nargs = 0;
	r.ret = (u64)-22;
	r.msecs = 0;
	expect_call(&r,
		    "{\"vm\":2,\"func\":\"msleep\",\"addr\":\"0xffffffff81100000\",\"args\":[],"
		    "\"ret\":18446744073709551594,\"ret_hex\":\"0xffffffffffffffea\","
		    "\"ret_signed\":-22,\"msecs\":0}\n",
		    "-22\n");
	r.ret = (u64)-4095;
	expect_call(&r,
		    "{\"vm\":2,\"func\":\"msleep\",\"addr\":\"0xffffffff81100000\",\"args\":[],"
		    "\"ret\":18446744073709547521,\"ret_hex\":\"0xfffffffffffff001\","
		    "\"ret_signed\":-4095,\"msecs\":0}\n",
		    "-4095\n");
	/* below -4095: not an errno, an address or a number */
	r.ret = (u64)-4096;
	expect_call(&r,
		    "{\"vm\":2,\"func\":\"msleep\",\"addr\":\"0xffffffff81100000\",\"args\":[],"
		    "\"ret\":18446744073709547520,\"ret_hex\":\"0xfffffffffffff000\","
		    "\"ret_signed\":-4096,\"msecs\":0}\n",
		    "18446744073709547520\n");
	r.ret = 0;
	r.func = "a\"b";
	expect_call(&r,
		    "{\"vm\":2,\"func\":\"a\\\"b\",\"addr\":\"0xffffffff81100000\",\"args\":[],"
		    "\"ret\":0,\"ret_hex\":\"0x0\",\"ret_signed\":0,\"msecs\":0}\n",
		    "0\n");
}

/* ---- watch ---- */

/* A call event of breakpoint bp in vm, as nogap.ko's watch worker sends it. */
static struct nl_msg *call_ev(u64 seq, u32 vm, u32 bp, int nargs)
{
	struct nl_msg *m = ev(NOGAP_EVENT_CALL, seq, 1, vm);
	struct nlattr *a;
	int i;

	nla_put_string(m, NOGAP_A_FUNC_NAME, "msleep");
	nla_put_u64(m, NOGAP_A_FUNC_ADDR, 0xffffffff81100000ull);
	nla_put_u32(m, NOGAP_A_BP_ID, bp);
	nla_put_u64(m, NOGAP_A_HIT_RET_ADDR, 0xffffffff81234567ull);
	nla_put_u64(m, NOGAP_A_HIT_RSP, 0xffffc90000123f00ull);
	nla_put_u32(m, NOGAP_A_HIT_VCPU, 1);
	a = nla_nest_start(m, NOGAP_A_CALL_ARGS);
	for (i = 0; i < nargs; i++) {
		nla_put(m, 0, 0, NULL);	/* nla_put_u64_64bit's padding */
		nla_put_u64(m, i + 1, i == 5 ? (u64)-1 : (u64)i * 0x10);
	}
	nla_nest_end(m, a);
	return m;
}

/* Render m (freed) as watch VM 3, breakpoint 7 of msleep does; "time" cut. */
static int watch(struct nl_msg *m, char **json, char **text)
{
	size_t n;
	FILE *f;
	int ret;

	f = open_memstream(json, &n);
	ret = ng_watch_event(f, true, nlmsg_hdr(m), 3, 7, "msleep");
	fclose(f);
	f = open_memstream(text, &n);
	CU_ASSERT_EQUAL(ng_watch_event(f, false, nlmsg_hdr(m), 3, 7, "msleep"),
			ret);
	fclose(f);
	nlmsg_free(m);
	cut_time(*json);
	return ret;
}

static void expect_watch(struct nl_msg *m, const char *want_json,
			 const char *want_text)
{
	char *json = NULL, *text = NULL;

	CU_ASSERT_EQUAL(watch(m, &json, &text), 1);
	same("json", json, want_json);
	same("text", text, want_text);
	free(json);
	free(text);
}

/* Not printed: ret is what ng_watch_event returns. */
static void expect_no_watch(struct nl_msg *m, int ret)
{
	char *json = NULL, *text = NULL;

	CU_ASSERT_EQUAL(watch(m, &json, &text), ret);
	CU_ASSERT_STRING_EQUAL(json, "");
	CU_ASSERT_STRING_EQUAL(text, "");
	free(json);
	free(text);
}

static void test_watch(void)
{
	struct nl_msg *m;

	expect_watch(call_ev(30, 3, 7, 6),
		     "{\"type\":\"call\",\"seq\":30,\"drops\":1,\"vm\":3,\"func\":\"msleep\","
		     "\"addr\":\"0xffffffff81100000\",\"args\":[\"0x0\",\"0x10\",\"0x20\",\"0x30\","
		     "\"0x40\",\"0xffffffffffffffff\"],\"ret_addr\":\"0xffffffff81234567\","
		     "\"rsp\":\"0xffffc90000123f00\",\"vcpu\":1}\n",
		     "msleep(0x0, 0x10, 0x20, 0x30, 0x40, 0xffffffffffffffff) from "
		     "0xffffffff81234567 vcpu 1\n");
	/* at most 6 arguments */
	expect_watch(call_ev(31, 3, 7, 7),
		     "{\"type\":\"call\",\"seq\":31,\"drops\":1,\"vm\":3,\"func\":\"msleep\","
		     "\"addr\":\"0xffffffff81100000\",\"args\":[\"0x0\",\"0x10\",\"0x20\",\"0x30\","
		     "\"0x40\",\"0xffffffffffffffff\"],\"ret_addr\":\"0xffffffff81234567\","
		     "\"rsp\":\"0xffffc90000123f00\",\"vcpu\":1}\n",
		     "msleep(0x0, 0x10, 0x20, 0x30, 0x40, 0xffffffffffffffff) from "
		     "0xffffffff81234567 vcpu 1\n");
	expect_watch(call_ev(32, 3, 7, 1),
		     "{\"type\":\"call\",\"seq\":32,\"drops\":1,\"vm\":3,\"func\":\"msleep\","
		     "\"addr\":\"0xffffffff81100000\",\"args\":[\"0x0\"],"
		     "\"ret_addr\":\"0xffffffff81234567\",\"rsp\":\"0xffffc90000123f00\",\"vcpu\":1}\n",
		     "msleep(0x0) from 0xffffffff81234567 vcpu 1\n");

	/* only what identifies it: the rest shows as 0 */
	m = ev(NOGAP_EVENT_CALL, 33, 0, 3);
	nla_put_u32(m, NOGAP_A_BP_ID, 7);
	expect_watch(m,
		     "{\"type\":\"call\",\"seq\":33,\"drops\":0,\"vm\":3,\"func\":\"msleep\","
		     "\"addr\":\"0x0\",\"args\":[],\"ret_addr\":\"0x0\",\"rsp\":\"0x0\",\"vcpu\":0}\n",
		     "msleep() from 0x0 vcpu 0\n");

	/* numbers longer than their type are not read */
	m = ev(NOGAP_EVENT_CALL, 34, 0, 3);
	nla_put_u32(m, NOGAP_A_BP_ID, 7);
	nla_put(m, NOGAP_A_HIT_RET_ADDR, 16, "0123456789abcdef");
	nla_put_u64(m, NOGAP_A_HIT_VCPU, 1);
	expect_watch(m,
		     "{\"type\":\"call\",\"seq\":34,\"drops\":0,\"vm\":3,\"func\":\"msleep\","
		     "\"addr\":\"0x0\",\"args\":[],\"ret_addr\":\"0x0\",\"rsp\":\"0x0\",\"vcpu\":0}\n",
		     "msleep() from 0x0 vcpu 0\n");

	/* not the calls of this watch */
	expect_no_watch(call_ev(35, 3, 8, 6), 0);
	expect_no_watch(call_ev(36, 4, 7, 6), 0);
	m = ev(NOGAP_EVENT_KILL, 37, 0, 3);
	nla_put_u32(m, NOGAP_A_BP_ID, 7);
	expect_no_watch(m, 0);
	m = ev(NOGAP_EVENT_CALL, 38, 0, 3);
	expect_no_watch(m, 0);
}

/* Attributes that do not pass the policy of nl.c: the event is refused. */
static void test_watch_malformed(void)
{
	struct nl_msg *m;
	struct nlattr *a;

	/* a u64 of 4 bytes */
	m = call_ev(40, 3, 7, 6);
	nla_put_u32(m, NOGAP_A_HIT_RSP, 1);
	expect_no_watch(m, -EBADMSG);
	/* a u32 of 2 bytes, where the VM id is expected */
	m = ev(NOGAP_EVENT_CALL, 41, 0, 0);
	nla_put_u16(m, NOGAP_A_VM_ID, 3);
	nla_put_u32(m, NOGAP_A_BP_ID, 7);
	expect_no_watch(m, -EBADMSG);
	/* a type of no byte */
	m = call_ev(42, 3, 7, 6);
	nla_put(m, NOGAP_A_EVENT_TYPE, 0, NULL);
	expect_no_watch(m, -EBADMSG);
	/* a string without its NUL, even one watch does not show */
	m = call_ev(43, 3, 7, 6);
	a = nla_reserve(m, NOGAP_A_FUNC_NAME, 4);
	memcpy(nla_data(a), "abcd", 4);
	expect_no_watch(m, -EBADMSG);
}

static void test_malformed(void)
{
	unsigned long long last = 0;
	char *json = NULL, *text = NULL;
	struct nl_msg *m;
	struct nlattr *a;

	/* a string attribute without its NUL */
	m = ev(NOGAP_EVENT_TEXT_WRITE, 1, 0, 1);
	a = nla_reserve(m, NOGAP_A_WRITER_FUNC, 4);
	memcpy(nla_data(a), "abcd", 4);
	CU_ASSERT_EQUAL(render(m, &json, &text, &last), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(json, "");
	free(json);
	free(text);
	/* a u64 of 4 bytes */
	m = ev(NOGAP_EVENT_TEXT_WRITE, 1, 0, 1);
	nla_put_u32(m, NOGAP_A_WRITE_GPA, 1);
	CU_ASSERT_EQUAL(render(m, &json, &text, &last), -EBADMSG);
	free(json);
	free(text);
}

static void test_lost(void)
{
	unsigned long long last = 0;
	char *json = NULL, *text = NULL, buf[512] = "";
	FILE *tmp = tmpfile();
	int saved = dup(2);
	size_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	render(ev(NOGAP_EVENT_VM_REMOVED, 4, 0, 1), &json, &text, &last);
	free(json);
	free(text);
	render(ev(NOGAP_EVENT_VM_REMOVED, 5, 0, 1), &json, &text, &last);
	free(json);
	free(text);
	render(ev(NOGAP_EVENT_VM_REMOVED, 9, 3, 1), &json, &text, &last);
	free(json);
	free(text);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	CU_ASSERT_EQUAL(last, 9);
	rewind(tmp);
	n = fread(buf, 1, sizeof(buf) - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "3 events lost (seq 9 after 5; the module counts 3 dropped)"));
	/* one warning, for the one gap */
	CU_ASSERT_PTR_NULL(strstr(strstr(buf, "lost") + 1, "lost"));
}

int main(void)
{
	static const struct ut_test tests[] = {
		{ "hidden-process and kill", test_hidden_and_kill },
		{ "text-write", test_text_write },
		{ "call", test_call },
		{ "policy-loaded, vm and sigdb events", test_policy_and_vm },
		{ "vm-added and vm-removed", test_vm_events },
		{ "identify-done", test_identify_done },
		{ "absent members, empty arrays, strings", test_partial_events },
		{ "module-added and module-removed", test_module_events },
		{ "call: its result", test_call_result },
		{ "watch: the calls of its breakpoint", test_watch },
		{ "watch: malformed events refused", test_watch_malformed },
		{ "malformed events refused", test_malformed },
		{ "lost events reported", test_lost },
	};
	static const struct ut_suite suite = {
		.name = "monitor", .verbose = true, UT_TESTS(tests),
	};

	return ut_run(&suite);
}
