/*
 * fuzz.h - what every libFuzzer target of tests/fuzz/ shares: the entry
 * point's prototype and CHECK, which aborts (a crash libFuzzer keeps, with
 * its input) when a property of the code under test does not hold.
 */
#ifndef CB_FUZZ_H
#define CB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                 \
	do {                                                                                        \
		if (!(cond)) {                                                                      \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                    \
		}                                                                                   \
	} while (0)

#endif /* CB_FUZZ_H */
