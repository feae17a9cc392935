/* hello_dyn: built dynamically with the host compiler; bake must refuse it. */
#include <stdio.h>

int main(void)
{
	puts("dynamic");
	return 0;
}
