/* sharedpages: a static program linked with 16-byte segment alignment
 * (Makefile: -z max-page-size=16), so that its segments share pages: the
 * headers with the text, the text with the read-only data, that with the
 * data and the bss. The kernel maps each shared page once, with the bytes of
 * every segment in it (kernel/app.c, map_pages); this checks they are all
 * there and that the data and bss are writable. */
#include <stdio.h>
#include <string.h>

static const char msg[] = "read-only data next to the text";
static const unsigned table[8] = { 1, 2, 3, 5, 8, 13, 21, 34 };
int counter = 41;
static char zeros[300];

__attribute__((noinline)) static unsigned sum(const unsigned *t, int n)
{
	unsigned s = 0;
	for (int i = 0; i < n; i++)
		s += t[i];
	return s;
}

int main(void)
{
	int bad = 0;
	for (size_t i = 0; i < sizeof(zeros); i++)
		bad += zeros[i] != 0;
	memset(zeros, 'x', sizeof(zeros) - 1);
	counter++;
	bad += counter != 42 || strlen(zeros) != sizeof(zeros) - 1 || sum(table, 8) != 87 ||
	       strcmp(msg, "read-only data next to the text") != 0;
	printf("sharedpages: %s\n", bad ? "FAILED" : "ok");
	return bad;
}
