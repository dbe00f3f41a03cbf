// SPDX-License-Identifier: GPL-2.0
/*
 * call.c - call a guest kernel function from the host.
 *
 * A call needs a vCPU at a point where the guest kernel itself could make
 * the call: in plain process context, interrupts on, no locks held. The
 * scheduler is no such point (run-queue locks). So a call sets "safe
 * stop" breakpoints (owner NOGAP_BP_OWNER_STOP) on system-call functions
 * the identification named (clock_nanosleep, nanosleep, wait4, write,
 * read: a running guest enters some of them all the time) and waits.
 *
 * At the first stop hit with CPL 0, RFLAGS.IF set, outside a nested guest
 * and on a kernel stack, the exit path takes the vCPU over: it saves the
 * general registers, RIP and RFLAGS, writes a return address on the guest
 * stack below the interrupted frame (the ABI's alignment: RSP % 16 == 8
 * at the function's entry), loads the arguments into rdi, rsi, rdx, rcx,
 * r8, r9 and RIP with the function, and lets the vCPU run. The return
 * address is the stop breakpoint itself: when the function returns, its
 * INT3 traps with RSP just above the frame we built, which tells our
 * return from any other pass through that function. Then RAX is the
 * result, every saved register and RFLAGS are put back exactly, and the
 * vCPU re-executes the stop's INT3, this time as a plain hit. The task may
 * have moved to another vCPU meanwhile (the function slept): the return
 * is recognised on any vCPU, and the registers follow the task.
 *
 * Timeouts: with no safe stop within the timeout the call is not made
 * (-ETIMEDOUT, nothing changed in the guest). A function that has not
 * returned within the timeout keeps running; the caller gets -ETIMEDOUT,
 * the call is "abandoned" but still tracked: when the function returns,
 * the registers are restored as usual and the stops removed; until then
 * no other call can start (-EBUSY). If the VM is stopped or nogap.ko
 * removed first, the stop waits up to 2 s for the return and then gives
 * up: that guest task would resume at the stop function with the called
 * function's registers (warned in the kernel log). Never is a vCPU left in
 * between: it runs either the function, or its own code with its own
 * registers.
 */

#include <linux/kvm_host.h>
#include <linux/slab.h>

#include "uapi/linux/nogap.h"
#include "nogap.h"
#include "instr.h"

#define NG_CALL_TIMEOUT_MS	2000
#define NG_CALL_TIMEOUT_MAX	60000
#define NG_CALL_STOP_WAIT	(2 * HZ)
/* Below the interrupted frame: skip this much before building ours. */
#define NG_CALL_GAP		256

/* Where a guest enters often in plain process context. */
static const char *const ng_stop_funcs[] = {
	"__x64_sys_clock_nanosleep",
	"__x64_sys_nanosleep",
	"__x64_sys_wait4",
	"ksys_write",
	"ksys_read",
	"__x64_sys_getppid",
	"__x64_sys_getpid",
};

static void ng_call_cleanup(struct work_struct *work);

void ng_call_ctx_init(struct ng_instr *in)
{
	struct ng_call_ctx *c = &in->call;

	mutex_init(&c->one);
	mutex_init(&c->lock);
	init_waitqueue_head(&c->wq);
	c->state = NG_CALL_IDLE;
	INIT_WORK(&c->cleanup, ng_call_cleanup);
}

bool ng_call_busy(struct ng_instr *in)
{
	return READ_ONCE(in->call.state) != NG_CALL_IDLE;
}

static void ng_call_del_stops(struct ng_instr *in)
{
	u32 i;

	for (i = 0; i < in->call.nstops; i++)
		ng_bp_del(in->vm, in->call.stops[i]);
	in->call.nstops = 0;
}

/* An abandoned call returned after all: its stops go. */
static void ng_call_cleanup(struct work_struct *work)
{
	struct ng_instr *in = container_of(work, struct ng_instr,
					   call.cleanup);
	struct ng_call_ctx *c = &in->call;

	ng_call_del_stops(in);
	mutex_lock(&c->lock);
	if (c->state == NG_CALL_CLEANUP)
		WRITE_ONCE(c->state, NG_CALL_IDLE);
	mutex_unlock(&c->lock);
	wake_up_all(&c->wq);
}

/* The called function returned to our trap: restore the task's state. */
static void ng_call_return(struct ng_instr *in, struct kvm_vcpu *vcpu)
{
	struct ng_call_ctx *c = &in->call;
	int i;

	c->ret = vcpu->arch.regs[VCPU_REGS_RAX];
	c->ret_vcpu = vcpu->vcpu_idx;
	for (i = 0; i < NR_VCPU_REGS; i++)
		ng_set_reg(vcpu, i, c->saved[i]);
	kvm_set_rflags(vcpu, c->rflags);
	if (c->state == NG_CALL_ABANDONED) {
		WRITE_ONCE(c->state, NG_CALL_CLEANUP);
		queue_work(system_unbound_wq, &c->cleanup);
	} else {
		WRITE_ONCE(c->state, NG_CALL_DONE);
	}
	wake_up_all(&c->wq);
}

/* A safe stop: take the vCPU over for the call; false if not possible. */
static bool ng_call_start(struct ng_instr *in, struct kvm_vcpu *vcpu,
			  struct ng_site *site, const struct ng_vcpu_view *v,
			  const struct ng_bp_hit *hit)
{
	static const int argreg[6] = {
		VCPU_REGS_RDI, VCPU_REGS_RSI, VCPU_REGS_RDX,
		VCPU_REGS_RCX, VCPU_REGS_R8, VCPU_REGS_R9,
	};
	struct ng_call_ctx *c = &in->call;
	unsigned long rflags = kvm_get_rflags(vcpu);
	u64 frame, trap = site->addr;
	int i;

	if (v->nested || v->cpl != 0 || !v->long_mode ||
	    !(rflags & X86_EFLAGS_IF) || hit->rsp < 0xffff800000000000ull ||
	    hit->rsp < NG_CALL_GAP + 64)
		return false;
	frame = ((hit->rsp - NG_CALL_GAP) & ~0xfull) - 8;
	if (ng_guest_write_virt(in->kvm, v->cr3, frame, &trap, sizeof(trap)))
		return false;
	for (i = 0; i < NR_VCPU_REGS; i++)
		c->saved[i] = vcpu->arch.regs[i];
	c->rflags = rflags;
	c->trap = trap;
	c->frame = frame;
	c->vcpu = vcpu->vcpu_idx;
	for (i = 0; i < 6; i++)
		ng_set_reg(vcpu, argreg[i], c->args[i]);
	ng_set_reg(vcpu, VCPU_REGS_RAX, 0);
	ng_set_reg(vcpu, VCPU_REGS_RSP, frame);
	ng_set_reg(vcpu, VCPU_REGS_RIP, c->func);
	/* the ABI's direction flag; no single-stepping into it */
	kvm_set_rflags(vcpu, rflags & ~(X86_EFLAGS_TF | X86_EFLAGS_DF));
	WRITE_ONCE(c->state, NG_CALL_RUNNING);
	return true;
}

int ng_call_hit(struct ng_instr *in, struct kvm_vcpu *vcpu,
		struct ng_site *site, const struct ng_vcpu_view *v,
		const struct ng_bp_hit *hit)
{
	struct ng_call_ctx *c = &in->call;
	int ret = 0;
	u8 st;

	st = READ_ONCE(c->state);
	if (st == NG_CALL_IDLE || st == NG_CALL_DONE || st == NG_CALL_CLEANUP)
		return 0;
	if (st == NG_CALL_WAIT && !site->stop)
		return 0;
	mutex_lock(&c->lock);
	if ((c->state == NG_CALL_RUNNING || c->state == NG_CALL_ABANDONED) &&
	    site->addr == c->trap && hit->rsp == c->frame + 8) {
		ng_call_return(in, vcpu);
		ret = 1;
	} else if (c->state == NG_CALL_WAIT && site->stop &&
		   ng_call_start(in, vcpu, site, v, hit)) {
		ret = 1;
	}
	mutex_unlock(&c->lock);
	return ret;
}

void ng_call_stop(struct ng_instr *in)
{
	struct ng_call_ctx *c = &in->call;
	u8 st;

	mutex_lock(&c->lock);
	if (c->state == NG_CALL_WAIT)
		WRITE_ONCE(c->state, NG_CALL_IDLE);
	mutex_unlock(&c->lock);
	wake_up_all(&c->wq);
	st = READ_ONCE(c->state);
	if (st == NG_CALL_RUNNING || st == NG_CALL_ABANDONED)
		wait_event_timeout(c->wq,
				   READ_ONCE(c->state) != NG_CALL_RUNNING &&
				   READ_ONCE(c->state) != NG_CALL_ABANDONED,
				   NG_CALL_STOP_WAIT);
	mutex_lock(&c->lock);
	if (c->state == NG_CALL_RUNNING || c->state == NG_CALL_ABANDONED) {
		pr_warn("vm %u: a guest call of %llx has not returned: its task will resume without its registers restored\n",
			in->vm->id, c->func);
		WRITE_ONCE(c->state, NG_CALL_IDLE);
	}
	mutex_unlock(&c->lock);
	wake_up_all(&c->wq);
}

static bool ng_call_settled(struct ng_call_ctx *c)
{
	u8 st = READ_ONCE(c->state);

	return st == NG_CALL_DONE || st == NG_CALL_IDLE;
}

int ng_call(struct ng_vm *vm, u64 func, const u64 *args, unsigned int nargs,
	    unsigned int timeout_ms, u64 *ret, struct netlink_ext_ack *extack)
{
	struct ng_call_ctx *c;
	struct ng_instr *in;
	unsigned int i;
	long left;
	u64 a;
	int rc;
	u8 st;

	if (nargs > 6 || !func) {
		NL_SET_ERR_MSG(extack, "bad call");
		return -EINVAL;
	}
	if (!timeout_ms)
		timeout_ms = NG_CALL_TIMEOUT_MS;
	in = ng_instr_get(vm, true);
	if (!in) {
		NL_SET_ERR_MSG(extack, "the vm is going away");
		return -EINTR;
	}
	c = &in->call;
	if (mutex_lock_interruptible(&c->one)) {
		ng_instr_put(in);
		return -EINTR;
	}
	if (READ_ONCE(c->state) != NG_CALL_IDLE) {
		NL_SET_ERR_MSG(extack, "a previous call has not returned yet");
		rc = -EBUSY;
		goto out;
	}
	c->nstops = 0;
	for (i = 0; i < ARRAY_SIZE(ng_stop_funcs) && c->nstops < NG_CALL_STOPS;
	     i++) {
		a = ng_sym_addr(vm, ng_stop_funcs[i]);
		if (a && !ng_bp_add(vm, a, NOGAP_BP_OWNER_STOP, 0, NULL, NULL,
				    &c->stops[c->nstops], NULL))
			c->nstops++;
	}
	if (!c->nstops) {
		NL_SET_ERR_MSG(extack, "no safe stop could be set (no system-call function identified)");
		rc = -ENOENT;
		goto out;
	}

	mutex_lock(&c->lock);
	c->func = func;
	memset(c->args, 0, sizeof(c->args));
	for (i = 0; i < nargs; i++)
		c->args[i] = args[i];
	WRITE_ONCE(c->state, NG_CALL_WAIT);
	mutex_unlock(&c->lock);

	left = wait_event_interruptible_timeout(c->wq, ng_call_settled(c),
						msecs_to_jiffies(timeout_ms));
	mutex_lock(&c->lock);
	st = c->state;
	switch (st) {
	case NG_CALL_DONE:
		*ret = c->ret;
		WRITE_ONCE(c->state, NG_CALL_IDLE);
		rc = 0;
		break;
	case NG_CALL_WAIT:
		WRITE_ONCE(c->state, NG_CALL_IDLE);
		rc = left < 0 ? -EINTR : -ETIMEDOUT;
		NG_SET_ERR_MSG_FMT(extack, "no vcpu reached a safe stop in time",
				   "no vcpu reached a safe stop within %u ms",
				   timeout_ms);
		break;
	case NG_CALL_RUNNING:
		WRITE_ONCE(c->state, NG_CALL_ABANDONED);
		rc = left < 0 ? -EINTR : -ETIMEDOUT;
		NG_SET_ERR_MSG_FMT(extack, "the function did not return in time; its registers are restored when it does",
				   "the function did not return within %u ms; its registers are restored when it does",
				   timeout_ms);
		break;
	default:
		rc = -EINTR;
		NL_SET_ERR_MSG(extack, "the vm is going away");
		break;
	}
	mutex_unlock(&c->lock);
	ng_instr_count_call(rc == -ETIMEDOUT);
	/* an abandoned call still needs its stop for the return */
	if (st != NG_CALL_RUNNING)
		ng_call_del_stops(in);
out:
	mutex_unlock(&c->one);
	ng_instr_put(in);
	return rc;
}

/* ---- netlink: CALL ---- */

static struct netlink_range_validation ng_call_timeout_range = {
	.min = 1,
	.max = NG_CALL_TIMEOUT_MAX,
};

const struct nla_policy ng_call_policy[NOGAP_A_MAX + 1] = {
	[NOGAP_A_VM_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[NOGAP_A_FUNC_NAME] = { .type = NLA_NUL_STRING, .len = NG_BP_NAME - 1 },
	[NOGAP_A_FUNC_ADDR] = { .type = NLA_U64 },
	[NOGAP_A_CALL_ARGS] = { .type = NLA_NESTED },
	[NOGAP_A_CALL_TIMEOUT] = NLA_POLICY_FULL_RANGE(NLA_U32,
						       &ng_call_timeout_range),
};

int ng_nl_call(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	unsigned int nargs = 0, timeout = NG_CALL_TIMEOUT_MS;
	char name[NG_BP_NAME];
	struct sk_buff *msg;
	struct ng_vm *vm;
	struct nlattr *x;
	u64 addr, args[6], ret = 0;
	ktime_t t0;
	void *hdr;
	int rem, rc;

	if (a[NOGAP_A_CALL_ARGS]) {
		nla_for_each_nested(x, a[NOGAP_A_CALL_ARGS], rem) {
			if (nla_len(x) != sizeof(u64) || nargs == 6) {
				NL_SET_ERR_MSG_ATTR(info->extack, x,
						    "at most 6 arguments, each a u64");
				return -EINVAL;
			}
			args[nargs++] = nla_get_u64(x);
		}
	}
	if (a[NOGAP_A_CALL_TIMEOUT])
		timeout = nla_get_u32(a[NOGAP_A_CALL_TIMEOUT]);
	vm = ng_nl_vm_func(info, &addr, name, sizeof(name));
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	t0 = ktime_get();
	rc = ng_call(vm, addr, args, nargs, timeout, &ret, info->extack);
	if (rc)
		goto out;
	rc = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &ng_family, 0, NOGAP_CMD_CALL);
	if (!hdr || nla_put_u32(msg, NOGAP_A_VM_ID, vm->id) ||
	    nla_put_string(msg, NOGAP_A_FUNC_NAME, name) ||
	    nla_put_u64_64bit(msg, NOGAP_A_FUNC_ADDR, addr, NOGAP_A_PAD) ||
	    nla_put_u64_64bit(msg, NOGAP_A_CALL_RET, ret, NOGAP_A_PAD) ||
	    nla_put_u32(msg, NOGAP_A_CALL_MSECS,
			(u32)ktime_ms_delta(ktime_get(), t0))) {
		nlmsg_free(msg);
		rc = -EMSGSIZE;
		goto out;
	}
	genlmsg_end(msg, hdr);
	rc = genlmsg_reply(msg, info);
out:
	ng_vm_put(vm);
	return rc;
}
