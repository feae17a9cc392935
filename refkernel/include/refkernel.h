/* refkernel.h — what the refkernel promises to the outside: the console lines
 * the harness parses and the exit statuses QEMU reports.
 *
 * Exit: the kernel writes one byte to QEMU's isa-debug-exit port (0xf4); QEMU
 * then exits with status (byte << 1) | 1. The application's exit code c
 * (0..255) is written as is, so QEMU reports
 * (2c + 1) & 0xff. Codes 0x77..0x7f are reserved for the kernel's own
 * failures below (an application exiting with them is indistinguishable,
 * except by the console line, which always names the cause).
 * Without isa-debug-exit the kernel falls back to ACPI poweroff (q35 PM1a at
 * 0x604), then a triple fault (QEMU -no-reboot exits), then halts forever.
 *
 * Kernel command line (lib/cmdline.c grammar): parameters, then "--", then
 * the application's arguments (argv[0] is the baked binary's name).
 *   tsc_khz=N          TSC rate in kHz (harnesses pass the host's under TCG);
 *                      else kvmclock, CPUID 0x15/0x16, or 10 ms of the PIT
 *   ip=A.B.C.D/PREFIX  bring the network up (images baked with NET=1)
 *   gw=A.B.C.D         default route
 *   net_nocsum         do not negotiate virtio-net checksum offload
 *   arp_reachable_ms=N how long an ARP confirmation lasts (60000; tests
 *                      shorten it, 100..3600000); printed when given
 *   sched_slice_ms=N   time slice once the application has threads (10)
 *   api=PORT           serve the REST API (include/api.h) on TCP PORT (1..65535)
 *                      from a kernel thread; images with the network only
 *   boot_trace         print the cost of each boot stage
 *   crash_test         fault in the kernel on purpose (tests the crash report)
 *   hostname=NAME      uname's nodename (default "refkernel")
 *   prot=ring0|ring3|ring3-kpti  the application at ring 0 (default), at
 *                      ring 3 (user pages, SYSCALL/SYSRET), or at ring 3 with
 *                      a user page table of its own (KPTI); printed when not ring0
 *   net=inline|thread|poll  where the network stack runs: in the waiting
 *                      syscall (default), in a kernel thread the device
 *                      interrupt wakes, or spinning on the rings before a wait
 *   poll_us=N          net=poll: how long a wait spins (50; 1..100000)
 * Any other parameter is refused (KEXIT_PARAM); the table is
 * cmdline_known[] in lib/cmdline.c. QEMU's virtio_mmio.device= is accepted.
 *
 * Console lines (one each, machine-readable, key=value):
 *   refkernel: api port=<PORT>                        api= given: the API listens
 *   refkernel: boot_us=<N> entry_to_main             before the app's first instruction
 *   refkernel: exit status=<code> run_us=<N> ...      at exit, with counters
 *   refkernel: unimplemented syscall <nr> (<name>)    once per syscall number
 *   refkernel: crash vector=<v> (<name>) ...          then the crash report
 *   refkernel: error: <reason>                        boot cannot go on
 */
#ifndef REFKERNEL_H
#define REFKERNEL_H

#define KEXIT_VALUE   0x77 /* a switch with a value it does not know (prot=) (239) */
#define KEXIT_PARAM   0x78 /* an unknown kernel parameter (241) */
#define KEXIT_NOPROG  0x79 /* the program to run is missing or not ELF (243) */
#define KEXIT_BADROOT 0x7a /* malformed root archive (baked or -initrd) (245) */
#define KEXIT_OOM     0x7b /* out of memory at boot (QEMU status 247) */
#define KEXIT_BADELF  0x7c /* baked binary is not a static x86-64 ELF (249) */
#define KEXIT_CMDLINE 0x7d /* malformed kernel command line (251) */
#define KEXIT_PANIC   0x7e /* kernel invariant broken (253) */
#define KEXIT_CRASH   0x7f /* CPU exception: crash report printed (255) */

#endif
