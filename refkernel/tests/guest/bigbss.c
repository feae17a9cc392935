/* bigbss: a 48 MiB zero-initialised array; loading it needs more memory than
 * a small guest has, which must end in one clear line, not a hang. */
#include <stdio.h>

static char big[48 << 20];

int main(void)
{
	big[sizeof(big) - 1] = 1;
	printf("bigbss: loaded\n");
	return big[0];
}
