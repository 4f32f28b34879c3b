/*
 * libFuzzer target for the cache group parser and analysis.
 *
 * Any input must be parsed without crashing, leaking or reading out of
 * bounds; a valid parse is analysed and reported too.  Built with clang
 * (-fsanitize=fuzzer,address,undefined) when configure found clang; `make
 * check` runs it briefly over tests/fuzz/corpus (tests/fuzz/test_cg_fuzz.sh).
 * Longer runs by hand:
 *   tests/fuzz/fuzz_cg_parse -max_total_time=600 /tmp/corpus tests/fuzz/corpus
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cachegroup/graph.h"
#include "cachegroup/parser.h"
#include "cachegroup/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	if (devnull == NULL)
		devnull = fopen("/dev/null", "w");
	cg_diags d = {0};
	cg_group *g = cg_parse_buffer("fuzz.cg", (const char *)data, size, &d);
	if (g != NULL && d.n == 0) {
		bool ok = cg_graph_analyse(g, &d);
		if (devnull)
			cg_report_print(devnull, &g, 1, true);
		(void)ok;
	}
	if (devnull)
		cg_diag_print(&d, devnull);
	cg_model_free(g);
	cg_diag_free(&d);
	return 0;
}
