/*
 * config.c - cbcache.conf parsing: one table (cfg_params[]) binds every key
 * to its type, default, limits and reload rule.
 *
 * Functions prefix: cfg_
 *
 * doc/config.md documents every key of cfg_params[];
 * scripts/check-config-doc.sh (run by make check) fails when one is missing.
 */
#include "src/config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <libpq-fe.h>

#include "src/backend.h"

typedef enum cfg_type {
	CFG_STRING,   /* free text */
	CFG_PATH,     /* a file name, resolved against the config's directory */
	CFG_PATHS,    /* comma separated file names, each resolved */
	CFG_INT,      /* integer within [min, max] */
	CFG_LONG,     /* long integer within [min, max] */
	CFG_BOOL,     /* on/off */
	CFG_LOGLEVEL, /* error/warning/info/debug */
	CFG_ADDR,     /* numeric IPv4/IPv6 address, '*' or empty */
	CFG_CONNINFO, /* libpq conninfo without user, dbname, password */
	CFG_NAME      /* 1 to max lower-case letters, digits, underscores (a part of a backend object's name) */
} cfg_type;

typedef struct cfg_param {
	const char *name;
	cfg_type type;
	size_t offset;
	const char *deflt; /* NULL = required */
	long min, max;
	bool reload;
} cfg_param;

#define OFF(f) offsetof(cfg_config, f)

/* Every key of cbcache.conf.  Keep doc/config.md in step (make check tests it). */
static const cfg_param cfg_params[] = {
        {"listen_dir", CFG_PATH, OFF(listen_dir), NULL, 0, 0, false},
        {"listen_port", CFG_INT, OFF(listen_port), "6433", 1, 65535, false},
        {"listen_addr", CFG_ADDR, OFF(listen_addr), "", 0, 0, false},
        {"allow_tcp_password", CFG_BOOL, OFF(allow_tcp_password), "off", 0, 0, true},
        {"admin_socket", CFG_PATH, OFF(admin_socket), NULL, 0, 0, false},
        {"backend", CFG_CONNINFO, OFF(backend), NULL, 0, 0, false},
        {"cache_db", CFG_PATH, OFF(cache_db), "", 0, 0, false},
        {"cache_file_group", CFG_STRING, OFF(cache_file_group), "", 0, 0, false},
        {"cache_groups", CFG_PATHS, OFF(cache_groups), "", 0, 0, false},
        {"cache_database", CFG_STRING, OFF(cache_database), "", 0, 0, false},
        {"cache_user", CFG_STRING, OFF(cache_user), "", 0, 0, false},
        {"cache_passfile", CFG_PATH, OFF(cache_passfile), "", 0, 0, false},
        {"instance_name", CFG_NAME, OFF(instance_name), "default", 1, 40, false},
        {"require_stream", CFG_BOOL, OFF(require_stream), "on", 0, 0, false},
        {"in_process_reads", CFG_BOOL, OFF(in_process_reads), "on", 0, 0, false},
        {"direct_backend", CFG_CONNINFO, OFF(direct_backend), "", 0, 0, false},
        {"max_lag_ms", CFG_INT, OFF(max_lag_ms), "5000", 100, 3600000, false},
        {"commit_wait_ms", CFG_INT, OFF(commit_wait_ms), "500", 0, 60000, false},
        {"apply_batch", CFG_INT, OFF(apply_batch), "256", 1, 100000, false},
        {"memo_max_mb", CFG_INT, OFF(memo_max_mb), "64", 0, 65536, false},
        {"memo_backend_mb", CFG_INT, OFF(memo_backend_mb), "64", 0, 65536, false},
        {"max_plans", CFG_INT, OFF(max_plans), "10000", 1, 10000000, false},
        {"max_session_statements", CFG_INT, OFF(max_session_statements), "256", 1, 100000, false},
        {"max_clients", CFG_INT, OFF(max_clients), "1000", 1, 100000, true},
        {"max_message_mb", CFG_INT, OFF(max_message_mb), "64", 1, 1023, true},
        {"max_cache_rows", CFG_LONG, OFF(max_cache_rows), "1000000", 0, LONG_MAX, false},
        {"max_cache_mb", CFG_INT, OFF(max_cache_mb), "256", 0, 1048576, false},
        {"gc_interval", CFG_INT, OFF(gc_interval), "10", 1, 86400, false},
        {"gc_low_water", CFG_INT, OFF(gc_low_water), "90", 1, 99, false},
        {"log_level", CFG_LOGLEVEL, OFF(log_level), "info", 0, 0, true},
        {"log_file", CFG_PATH, OFF(log_file), "", 0, 0, true},
        {"pid_file", CFG_PATH, OFF(pid_file), "", 0, 0, false},
        {"shutdown_timeout", CFG_INT, OFF(shutdown_timeout), "30", 0, 3600, true},
};

static const char *const log_level_names[] = {"error", "warning", "info", "debug"};

size_t cfg_key_count(void)
{
	return CB_ARRAY_LEN(cfg_params);
}

const char *cfg_key_name(size_t i)
{
	return i < CB_ARRAY_LEN(cfg_params) ? cfg_params[i].name : NULL;
}

bool cfg_key_reloadable(size_t i)
{
	return i < CB_ARRAY_LEN(cfg_params) && cfg_params[i].reload;
}

const char *cfg_log_level_name(int level)
{
	if (level < 0 || level >= (int)CB_ARRAY_LEN(log_level_names))
		return "?";
	return log_level_names[level];
}

static char **str_field(cfg_config *cfg, const cfg_param *p)
{
	return (char **)((char *)cfg + p->offset);
}

static char *const *cstr_field(const cfg_config *cfg, const cfg_param *p)
{
	return (char *const *)((const char *)cfg + p->offset);
}

static bool is_string_type(cfg_type t)
{
	return t == CFG_STRING || t == CFG_PATH || t == CFG_PATHS || t == CFG_ADDR || t == CFG_CONNINFO ||
	       t == CFG_NAME;
}

void cfg_free(cfg_config *cfg)
{
	for (size_t i = 0; i < CB_ARRAY_LEN(cfg_params); i++) {
		if (is_string_type(cfg_params[i].type)) {
			char **s = str_field(cfg, &cfg_params[i]);
			free(*s);
			*s = NULL;
		}
	}
	free(cfg->path);
	cfg->path = NULL;
}

/* Resolve name against dir ("" stays ""; absolute stays). Caller frees. */
static char *resolve_path(const char *dir, const char *name)
{
	if (name[0] == '\0' || name[0] == '/' || dir == NULL || dir[0] == '\0')
		return strdup(name);
	size_t n = strlen(dir) + 1 + strlen(name) + 1;
	char *s = malloc(n);
	if (s != NULL)
		snprintf(s, n, "%s/%s", dir, name);
	return s;
}

static char *trim(char *s)
{
	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

bool cfg_list_item(const char *list, size_t i, char *buf, size_t n)
{
	const char *p = list;
	for (size_t k = 0; p != NULL && *p != '\0'; k++) {
		const char *end = strchr(p, ',');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (k == i) {
			if (len >= n)
				len = n - 1;
			memcpy(buf, p, len);
			buf[len] = '\0';
			return true;
		}
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

/* Parse value of p into cfg.  On failure err gets the message without position. */
static bool set_value(cfg_config *cfg, const cfg_param *p, const char *value, const char *dir, cb_error *err)
{
	switch (p->type) {
	case CFG_INT:
	case CFG_LONG: {
		char *end;
		errno = 0;
		long v = strtol(value, &end, 10);
		if (value[0] == '\0' || *end != '\0' || errno != 0 || v < p->min || v > p->max)
			return cb_fail(err, "%s: invalid value \"%s\": give an integer from %ld to %ld", p->name, value,
			               p->min, p->max);
		if (p->type == CFG_INT)
			*(int *)((char *)cfg + p->offset) = (int)v;
		else
			*(long *)((char *)cfg + p->offset) = v;
		return true;
	}
	case CFG_BOOL: {
		bool v;
		if (strcasecmp(value, "on") == 0 || strcasecmp(value, "true") == 0 || strcasecmp(value, "yes") == 0 ||
		    strcmp(value, "1") == 0)
			v = true;
		else if (strcasecmp(value, "off") == 0 || strcasecmp(value, "false") == 0 ||
		         strcasecmp(value, "no") == 0 || strcmp(value, "0") == 0)
			v = false;
		else
			return cb_fail(err, "%s: invalid value \"%s\": give on or off (also true/false, yes/no, 1/0)",
			               p->name, value);
		*(bool *)((char *)cfg + p->offset) = v;
		return true;
	}
	case CFG_LOGLEVEL:
		for (size_t i = 0; i < CB_ARRAY_LEN(log_level_names); i++) {
			if (strcasecmp(value, log_level_names[i]) == 0) {
				*(int *)((char *)cfg + p->offset) = (int)i;
				return true;
			}
		}
		return cb_fail(err, "%s: invalid value \"%s\": give one of error, warning, info, debug", p->name,
		               value);
	default:
		break;
	}

	/* string types */
	char *s = NULL;
	if (p->type == CFG_ADDR) {
		unsigned char tmp[16];
		if (value[0] != '\0' && strcmp(value, "*") != 0 && inet_pton(AF_INET, value, tmp) != 1 &&
		    inet_pton(AF_INET6, value, tmp) != 1)
			return cb_fail(err,
			               "%s: invalid value \"%s\": give a numeric IPv4 or IPv6 address, * for all "
			               "addresses, or leave it empty for no TCP listener",
			               p->name, value);
		s = strdup(value);
	} else if (p->type == CFG_CONNINFO) {
		char *perr = NULL;
		PQconninfoOption *opts = PQconninfoParse(value, &perr);
		if (opts == NULL) {
			bool ok = cb_fail(err, "%s: invalid libpq connection string \"%s\": %s", p->name, value,
			                  perr != NULL ? trim(perr) : "out of memory");
			PQfreemem(perr);
			return ok;
		}
		const char *bad = NULL;
		for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
			if (o->val == NULL)
				continue;
			if (strcmp(o->keyword, "user") == 0 || strcmp(o->keyword, "dbname") == 0 ||
			    strcmp(o->keyword, "password") == 0 || strcmp(o->keyword, "replication") == 0 ||
			    strcmp(o->keyword, "passfile") == 0) {
				bad = o->keyword;
				break;
			}
		}
		PQconninfoFree(opts);
		if (bad != NULL)
			return cb_fail(err,
			               "%s: \"%s\" may not be set in the backend connection string: each session "
			               "connects with the user, database and password of its client; remove it and "
			               "keep only host, port and connection options",
			               p->name, bad);
		be_target *t = be_target_parse(value, err);
		if (t == NULL) {
			cb_error_prefix(err, "%s: ", p->name);
			return false;
		}
		be_target_free(t);
		s = strdup(value);
	} else if (p->type == CFG_NAME) {
		size_t n = strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_");
		if (value[0] == '\0' || value[n] != '\0' || n > (size_t)p->max)
			return cb_fail(err,
			               "%s: invalid value \"%s\": give %ld to %ld lower-case letters, digits or "
			               "underscores; it names the backend's replication slot and publication "
			               "cbcache_<%s>, so each cbcached on one backend needs its own",
			               p->name, value, p->min, p->max, p->name);
		s = strdup(value);
	} else if (p->type == CFG_PATH) {
		s = resolve_path(dir, value);
	} else if (p->type == CFG_PATHS) {
		/* resolve each comma separated item */
		size_t cap = 1, len = 0;
		s = calloc(1, 1);
		char item[4096];
		for (size_t i = 0; s != NULL && cfg_list_item(value, i, item, sizeof(item)); i++) {
			char *t = trim(item);
			if (t[0] == '\0')
				continue;
			char *r = resolve_path(dir, t);
			if (r == NULL) {
				free(s);
				s = NULL;
				break;
			}
			size_t need = len + strlen(r) + 2;
			if (need > cap) {
				char *ns = realloc(s, need);
				if (ns == NULL) {
					free(r);
					free(s);
					s = NULL;
					break;
				}
				s = ns;
				cap = need;
			}
			len += (size_t)sprintf(s + len, "%s%s", len > 0 ? "," : "", r);
			free(r);
		}
	} else {
		s = strdup(value);
	}
	if (s == NULL)
		return cb_fail(err, "%s: out of memory", p->name);
	char **f = str_field(cfg, p);
	free(*f);
	*f = s;
	return true;
}

bool cfg_parse(const char *text, size_t len, const char *path, const char *dir, cfg_config *cfg, cb_error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	int set_line[CB_ARRAY_LEN(cfg_params)] = {0};
	char line[8192];
	int lineno = 0;
	bool ok = true;
	cb_error verr;
	for (size_t pos = 0; ok && pos < len;) {
		/* the next line as fgets() reads it: up to its newline, at most sizeof(line) - 1 bytes */
		size_t take = len - pos < sizeof(line) - 1 ? len - pos : sizeof(line) - 1;
		const char *nl = memchr(text + pos, '\n', take);
		if (nl != NULL)
			take = (size_t)(nl - (text + pos)) + 1;
		memcpy(line, text + pos, take);
		line[take] = '\0';
		pos += take;
		lineno++;
		size_t ll = strlen(line);
		if (ll == sizeof(line) - 1 && line[ll - 1] != '\n') {
			ok = cb_fail(err, "%s:%d: line longer than %zu bytes; shorten it", path, lineno,
			             sizeof(line) - 2);
			break;
		}
		char *s = trim(line);
		if (s[0] == '\0' || s[0] == '#' || s[0] == ';')
			continue;
		if (s[0] == '[') {
			if (strcasecmp(s, "[cbcache]") != 0)
				ok = cb_fail(err, "%s:%d: unknown section %s: the only section is [cbcache]", path,
				             lineno, s);
			continue;
		}
		char *eq = strchr(s, '=');
		if (eq == NULL) {
			ok = cb_fail(err, "%s:%d: expected \"key = value\", got \"%s\"", path, lineno, s);
			break;
		}
		*eq = '\0';
		char *key = trim(s);
		char *value = trim(eq + 1);
		size_t vl = strlen(value);
		if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
			value[vl - 1] = '\0';
			value++;
		}
		size_t k;
		for (k = 0; k < CB_ARRAY_LEN(cfg_params); k++)
			if (strcmp(cfg_params[k].name, key) == 0)
				break;
		if (k == CB_ARRAY_LEN(cfg_params) && strcmp(key, "workers") == 0) {
			ok = cb_fail(err,
			             "%s:%d: workers is no longer a key: cache hits are answered in each session's "
			             "own thread; remove the line",
			             path, lineno);
			break;
		}
		if (k == CB_ARRAY_LEN(cfg_params)) {
			char keys[1024] = "";
			size_t kl = 0;
			for (size_t i = 0; i < CB_ARRAY_LEN(cfg_params) && kl < sizeof(keys); i++)
				kl += (size_t)snprintf(keys + kl, sizeof(keys) - kl, "%s%s", i ? ", " : "",
				                       cfg_params[i].name);
			ok = cb_fail(err, "%s:%d: unknown key \"%s\"; the keys are: %s (see doc/config.md)", path,
			             lineno, key, keys);
			break;
		}
		if (set_line[k] != 0) {
			ok = cb_fail(err, "%s:%d: %s is set twice (first on line %d); keep one", path, lineno, key,
			             set_line[k]);
			break;
		}
		set_line[k] = lineno;
		if (!set_value(cfg, &cfg_params[k], value, dir, &verr)) {
			ok = cb_fail(err, "%s:%d: %s", path, lineno, verr.msg);
			break;
		}
	}
	for (size_t k = 0; ok && k < CB_ARRAY_LEN(cfg_params); k++) {
		if (set_line[k] != 0)
			continue;
		if (cfg_params[k].deflt == NULL) {
			ok = cb_fail(err, "%s:%d: required key %s is missing; add \"%s = ...\" (see doc/config.md)",
			             path, lineno, cfg_params[k].name, cfg_params[k].name);
			break;
		}
		if (!set_value(cfg, &cfg_params[k], cfg_params[k].deflt, dir, &verr))
			ok = cb_fail(err, "%s: default of %s: %s", path, cfg_params[k].name, verr.msg);
	}
	if (ok) {
		cfg->path = strdup(path);
		if (cfg->path == NULL)
			ok = cb_fail(err, "%s: out of memory", path);
	}
	if (!ok)
		cfg_free(cfg);
	return ok;
}

bool cfg_load(const char *path, cfg_config *cfg, cb_error *err)
{
	memset(cfg, 0, sizeof(*cfg));
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return cb_fail(err, "%s: cannot open the config file: %s; give an existing file with -c", path,
		               strerror(errno));

	/* relative paths in the file are relative to the file's directory */
	char dir[4096];
	char *real = realpath(path, NULL);
	snprintf(dir, sizeof(dir), "%s", real != NULL ? real : path);
	free(real);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		dir[0] = '\0';
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';

	/* the whole file, then parsed from memory */
	char *text = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (cap - len < 8192) {
			char *t = realloc(text, cap + 65536);
			if (t == NULL) {
				free(text);
				fclose(f);
				return cb_fail(err, "%s: out of memory", path);
			}
			text = t;
			cap += 65536;
		}
		size_t r = fread(text + len, 1, cap - len, f);
		len += r;
		if (r == 0)
			break;
	}
	if (ferror(f)) {
		int e = errno;
		free(text);
		fclose(f);
		return cb_fail(err, "%s: read error: %s", path, strerror(e));
	}
	fclose(f);
	bool ok = cfg_parse(text, len, path, dir, cfg, err);
	free(text);
	return ok;
}

const char *cfg_key_value(const cfg_config *cfg, size_t i, char *buf, size_t n)
{
	const cfg_param *p = &cfg_params[i];
	const char *base = (const char *)cfg + p->offset;
	switch (p->type) {
	case CFG_INT:
		snprintf(buf, n, "%d", *(const int *)base);
		break;
	case CFG_LONG:
		snprintf(buf, n, "%ld", *(const long *)base);
		break;
	case CFG_BOOL:
		snprintf(buf, n, "%s", *(const bool *)base ? "on" : "off");
		break;
	case CFG_LOGLEVEL:
		snprintf(buf, n, "%s", cfg_log_level_name(*(const int *)base));
		break;
	default: {
		const char *s = *cstr_field(cfg, p);
		snprintf(buf, n, "%s", s != NULL ? s : "");
		break;
	}
	}
	return buf;
}

bool cfg_apply_reload(cfg_config *cur, const cfg_config *next,
                      void (*restart_needed)(const char *key, const char *old_value, const char *new_value, void *arg),
                      void *arg, cb_error *err)
{
	char a[4096], b[4096];
	for (size_t i = 0; i < CB_ARRAY_LEN(cfg_params); i++) {
		const cfg_param *p = &cfg_params[i];
		cfg_key_value(cur, i, a, sizeof(a));
		cfg_key_value(next, i, b, sizeof(b));
		if (strcmp(a, b) == 0)
			continue;
		if (!p->reload) {
			if (restart_needed != NULL)
				restart_needed(p->name, a, b, arg);
			continue;
		}
		if (is_string_type(p->type)) {
			char *s = strdup(*cstr_field(next, p));
			if (s == NULL)
				return cb_fail(err, "reload: out of memory copying %s", p->name);
			char **f = str_field(cur, p);
			free(*f);
			*f = s;
		} else if (p->type == CFG_LONG) {
			*(long *)((char *)cur + p->offset) = *(const long *)((const char *)next + p->offset);
		} else if (p->type == CFG_BOOL) {
			*(bool *)((char *)cur + p->offset) = *(const bool *)((const char *)next + p->offset);
		} else {
			*(int *)((char *)cur + p->offset) = *(const int *)((const char *)next + p->offset);
		}
	}
	return true;
}
