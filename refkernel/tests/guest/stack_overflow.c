/* stack_overflow: a thread recurses until its stack ends; the guard page
 * below it must produce a crash report naming the thread, not corruption. */
#include <pthread.h>
#include <stdio.h>

static volatile int forever = 1;

static int depth(volatile char *prev, int n)
{
	volatile char buf[512];
	buf[0] = (char)n;
	if (prev)
		buf[1] = prev[0];
	return forever ? depth(buf, n + 1) + buf[1] : 0;
}

static void *deep(void *arg)
{
	(void)arg;
	return (void *)(long)depth(NULL, 0);
}

int main(void)
{
	pthread_t t;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 64 << 10);
	printf("stack_overflow: starting\n");
	fflush(stdout);
	pthread_create(&t, &a, deep, NULL);
	pthread_join(t, NULL);
	return 0;
}
