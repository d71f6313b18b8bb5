/* main.c - placeholder while the core lands. */
#include <stdio.h>
int main(void) { fprintf(stderr, "harness: core not built yet\n"); return 1; }
