/* crash_null: dereference NULL in a named function; the refkernel must print a
 * crash report naming crash_here and exit with KEXIT_CRASH. */
#include <stdio.h>

__attribute__((noinline)) int crash_here(volatile int *p)
{
	return *p;
}

int main(void)
{
	printf("about to crash\n");
	fflush(stdout);
	return crash_here(NULL);
}
