/*
 * libFuzzer target for the config file parser (src/config.c cfg_parse,
 * which cfg_load calls on the file's bytes).  The input is a config file;
 * it is parsed from an exact-size heap copy.  Properties asserted besides
 * "no crash" and "no leak":
 *   - a refusal names the file (the message starts with its name);
 *   - an accepted config has every integer within its key's bounds, so
 *     SHOW CONFIG prints it, and written back as `key = "value"` lines it
 *     parses again to the very same values (paths already resolved stay
 *     as they are);
 *   - parsing is deterministic.
 * Built with clang (-fsanitize=fuzzer,address,undefined) when configure
 * found it; `make check` runs it briefly over tests/fuzz/corpus-config
 * (tests/fuzz/test_config_fuzz.sh), `make fuzz` for longer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/config.h"
#include "tests/fuzz/fuzz.h"

#define PATH "fuzz.conf"
#define DIR "/etc/cbcache"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size > 0 ? size : 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	cfg_config cfg, cfg2;
	cb_error err, err2;
	bool ok = cfg_parse(text, size, PATH, DIR, &cfg, &err);
	bool ok2 = cfg_parse(text, size, PATH, DIR, &cfg2, &err2);
	CHECK(ok == ok2);
	free(text);
	if (!ok) {
		CHECK(strncmp(err.msg, PATH, strlen(PATH)) == 0 && strcmp(err.msg, err2.msg) == 0);
		return 0;
	}
	cfg_free(&cfg2);

	/* written back as key = "value" lines */
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap);
	char v[4096], v2[4096];
	bool fits = out != NULL;
	for (size_t i = 0; fits && i < cfg_key_count(); i++) {
		cfg_key_value(&cfg, i, v, sizeof(v));
		size_t need = strlen(cfg_key_name(i)) + strlen(v) + 8;
		if (strlen(v) >= 3000 || n + need > cap)
			fits = false; /* too long to write back (lines and list items have limits) */
		else
			n += (size_t)snprintf(out + n, cap - n, "%s = \"%s\"\n", cfg_key_name(i), v);
	}
	if (fits) {
		CHECK(cfg_parse(out, n, PATH, DIR, &cfg2, &err2));
		for (size_t i = 0; i < cfg_key_count(); i++) {
			cfg_key_value(&cfg, i, v, sizeof(v));
			cfg_key_value(&cfg2, i, v2, sizeof(v2));
			CHECK(strcmp(v, v2) == 0);
		}
		cfg_free(&cfg2);
	}
	free(out);
	cfg_free(&cfg);
	return 0;
}
