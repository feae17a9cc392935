/* dso: a shared object of ours that tests/guest/progabi.c dlopen()s. */
int dso_triple(int x);
const char *dso_hello(void);

static int base = 3; /* data, relocated at load */

int dso_triple(int x) { return x * base; }
const char *dso_hello(void) { return "hello from a dlopen()ed object"; }
