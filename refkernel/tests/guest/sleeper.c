/* sleeper: sleeps 1 s in 10 ms steps; the test checks the vCPU was idle. */
#include <time.h>

int main(void)
{
	struct timespec req = { 0, 10000000 };
	for (int i = 0; i < 100; i++)
		nanosleep(&req, NULL);
	return 0;
}
