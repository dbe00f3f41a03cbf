// SPDX-License-Identifier: GPL-2.0
/*
 * textwrite.ko - lab test module: write to the kernel's own code the way a
 * rootkit patches it. With interrupts off it clears CR0.WP with a plain
 * mov to CR0 (native_write_cr0 would put WP back: CR pinning), stores one
 * byte into a core kernel function through the kernel's text mapping,
 * and sets WP again. The byte written is the byte that was there, so the
 * kernel runs on unchanged.
 *
 * It prints the address written and the address of the storing
 * instruction:
 *
 *   textwrite: wrote 0xNN at ADDR (FUNC+OFF) rip RIP
 *
 * and stays loaded (rmmod works), so that RIP stays inside this module.
 * Parameter off: the byte of msleep to write (default 1, past the first).
 *
 * With count=N (a flood, to test that the host stays fine) it writes the
 * byte N times, alternating between two store instructions so that no
 * two writes in a row look alike, with interrupts on between writes, and
 * prints how long that took:
 *
 *   textwrite: N writes in MS ms
 */
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <asm/processor-flags.h>

static unsigned int off = 1;
module_param(off, uint, 0444);
MODULE_PARM_DESC(off, "offset in msleep of the byte to write (< 16)");
static unsigned int count = 1;
module_param(count, uint, 0444);
MODULE_PARM_DESC(count, "writes (1 to 1000000)");

/*
 * The store, with the address of its own instruction in *rip; other
 * selects a second store instruction (another RIP).
 */
static noinline void textwrite_poke(u8 *addr, u8 val, bool other,
				    unsigned long *rip)
{
	unsigned long cr0, flags, r;

	local_irq_save(flags);
	asm volatile("mov %%cr0, %0" : "=r" (cr0));
	asm volatile("mov %0, %%cr0" : : "r" (cr0 & ~X86_CR0_WP) : "memory");
	if (!other)
		asm volatile("leaq 1f(%%rip), %[r]\n"
			     "1:\tmovb %[v], (%[a])\n"
			     : [r] "=&r" (r)
			     : [a] "r" (addr), [v] "q" (val)
			     : "memory");
	else	/* not the same text, or the compiler merges the two */
		asm volatile("leaq 1f(%%rip), %[r]\n"
			     "nop\n"
			     "1:\tmovb %[v], (%[a])\n"
			     : [r] "=&r" (r)
			     : [a] "r" (addr), [v] "q" (val)
			     : "memory");
	asm volatile("mov %0, %%cr0" : : "r" (cr0) : "memory");
	local_irq_restore(flags);
	*rip = r;
}

static int __init textwrite_init(void)
{
	u8 *addr = (u8 *)msleep + off;
	unsigned long rip, rip2;
	unsigned int i;
	ktime_t t0;
	u8 val;

	if (off >= 16 || !count || count > 1000000)
		return -EINVAL;
	val = READ_ONCE(*addr);
	textwrite_poke(addr, val, false, &rip);
	pr_info("textwrite: wrote 0x%02x at 0x%lx (%pS) rip 0x%lx\n", val,
		(unsigned long)addr, addr, rip);
	if (count == 1)
		return 0;
	t0 = ktime_get();
	for (i = 1; i < count; i++) {
		textwrite_poke(addr, val, i & 1, &rip2);
		if (!(i & 63))
			cond_resched();
	}
	pr_info("textwrite: %u writes in %lld ms (rips 0x%lx 0x%lx)\n", count,
		ktime_ms_delta(ktime_get(), t0), rip, rip2);
	return 0;
}

static void __exit textwrite_exit(void)
{
}

module_init(textwrite_init);
module_exit(textwrite_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NoGap lab: write one byte of kernel code with CR0.WP off");
