/* thread_oom: create threads that wait until memory runs out; pthread_create
 * must fail with EAGAIN (or ENOMEM), never crash the kernel. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int release;

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	while (!release)
		pthread_cond_wait(&go, &mu);
	pthread_mutex_unlock(&mu);
	return NULL;
}

int main(void)
{
	static pthread_t t[100000];
	int n = 0, err = 0;
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 16384);
	while (n < 100000 && !(err = pthread_create(&t[n], &a, waiter, NULL)))
		n++;
	pthread_mutex_lock(&mu);
	release = 1;
	pthread_cond_broadcast(&go);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	printf("thread_oom: %d threads, then pthread_create: %s\n", n, strerror(err));
	return (err == EAGAIN || err == ENOMEM) && n > 10 ? 0 : 1;
}
