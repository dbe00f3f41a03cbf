// SPDX-License-Identifier: GPL-2.0
/*
 * test_monitor.c - `nogapctl monitor` rendering of every event type, from
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

/* Render m (freed); *json and *text are the two forms, "time" cut out. */
static int render(struct nl_msg *m, char **json, char **text,
		  unsigned long long *last)
{
	unsigned long long l2 = 0;	/* the text pass: no second warning */
	size_t n;
	FILE *f;
	char *p, *q;
	int ret;

	f = open_memstream(json, &n);
	ret = ng_monitor_event(f, true, nlmsg_hdr(m), last);
	fclose(f);
	f = open_memstream(text, &n);
	ng_monitor_event(f, false, nlmsg_hdr(m), &l2);
	fclose(f);
	nlmsg_free(m);
	/* "time":1764115200.123, */
	p = strstr(*json, "\"time\":");
	if (p) {
		q = strchr(p, ',');
		if (q)
			memmove(p, q + 1, strlen(q + 1) + 1);
	}
	return ret;
}

static void expect(struct nl_msg *m, const char *want_json,
		   const char *want_text)
{
	unsigned long long last = 0;
	char *json = NULL, *text = NULL;

	CU_ASSERT_EQUAL(render(m, &json, &text, &last), 0);
	if (strcmp(json, want_json)) {
		fprintf(stderr, "\ngot  %swant %s\n", json, want_json);
		CU_FAIL("json");
	}
	if (want_text && strcmp(text, want_text)) {
		fprintf(stderr, "\ngot  %swant %s\n", text, want_text);
		CU_FAIL("text");
	}
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
	       "\"generation\":1}\n", NULL);
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
		{ "malformed events refused", test_malformed },
		{ "lost events reported", test_lost },
	};
	static const struct ut_suite suite = {
		.name = "monitor", .verbose = true, UT_TESTS(tests),
	};

	return ut_run(&suite);
}
