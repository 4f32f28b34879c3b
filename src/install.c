/*
 * install.c - the DDL event triggers on the backend (see install.h).
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "cache/pgconn.h"
#include "src/install.h"
#include "src/stream.h"

static const char install_sql[] =
        "CREATE SCHEMA IF NOT EXISTS cbcache;\n"
        "CREATE OR REPLACE FUNCTION cbcache.ddl_notify() RETURNS event_trigger\n"
        "  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $cbcache$\n"
        "DECLARE oids text;\n"
        "BEGIN\n"
        "  IF tg_event = 'sql_drop' THEN\n"
        "    SELECT string_agg(DISTINCT objid::text, ' ') INTO oids FROM pg_event_trigger_dropped_objects()\n"
        "     WHERE classid = 'pg_class'::regclass;\n"
        "  ELSE\n"
        "    SELECT string_agg(DISTINCT objid::text, ' ') INTO oids FROM pg_event_trigger_ddl_commands()\n"
        "     WHERE classid = 'pg_class'::regclass;\n"
        "  END IF;\n"
        "  PERFORM pg_logical_emit_message(true, 'cbcache_ddl', coalesce(oids, ''));\n"
        "END $cbcache$;\n"
        "REVOKE ALL ON FUNCTION cbcache.ddl_notify() FROM PUBLIC;\n"
        "DROP EVENT TRIGGER IF EXISTS cbcache_ddl_end;\n"
        "DROP EVENT TRIGGER IF EXISTS cbcache_sql_drop;\n"
        "CREATE EVENT TRIGGER cbcache_ddl_end ON ddl_command_end EXECUTE FUNCTION cbcache.ddl_notify();\n"
        "CREATE EVENT TRIGGER cbcache_sql_drop ON sql_drop EXECUTE FUNCTION cbcache.ddl_notify();\n";

static const char uninstall_sql[] = "DROP EVENT TRIGGER IF EXISTS cbcache_ddl_end;\n"
                                    "DROP EVENT TRIGGER IF EXISTS cbcache_sql_drop;\n"
                                    "DROP FUNCTION IF EXISTS cbcache.ddl_notify();\n"
                                    "DROP SCHEMA IF EXISTS cbcache;\n";

const char *inst_install_sql(void)
{
	return install_sql;
}

const char *inst_uninstall_sql(void)
{
	return uninstall_sql;
}

/* The backend's message of a failed result, on one line. */
static void message_of(PGconn *c, PGresult *res, char *buf, size_t n)
{
	const char *m = res != NULL ? PQresultErrorMessage(res) : "";
	if (m == NULL || m[0] == '\0')
		m = PQerrorMessage(c);
	snprintf(buf, n, "%s", m);
	buf[strcspn(buf, "\n")] = '\0';
}

static bool run_script(PGconn *c, const char *sql, const char *what, const char *fix, cb_error *err)
{
	PGresult *res = PQexec(c, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok) {
		char msg[512];
		message_of(c, res, msg, sizeof(msg));
		cb_fail(err, "%s failed: %s; %s", what, msg, fix);
	}
	PQclear(res);
	return ok;
}

bool inst_install(const char *conninfo, cb_error *err)
{
	PGconn *c = NULL;
	if (!pgconn_connect(conninfo, &c, err))
		return false;
	PGresult *res = PQexec(c, "SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user");
	bool super = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	             strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!super) {
		cb_fail(err,
		        "role %s is not a superuser, and only a superuser can create event triggers; give a "
		        "superuser's connection (cbcached --install-backend='user=postgres ...' -c CONFIG), or run "
		        "these statements as a superuser on database %s:\n%s",
		        PQuser(c), PQdb(c), install_sql);
		PQfinish(c);
		return false;
	}
	char sql[sizeof(install_sql) + 32];
	snprintf(sql, sizeof(sql), "BEGIN;\n%sCOMMIT;\n", install_sql);
	bool ok = run_script(c, sql, "installing the DDL event triggers", "run the statements by hand to see why", err);
	PQfinish(c);
	return ok;
}

int inst_installed(const char *conninfo, cb_error *err)
{
	PGconn *c = NULL;
	if (!pgconn_connect(conninfo, &c, err))
		return -1;
	PGresult *res = PQexec(c, "SELECT count(*) FROM pg_catalog.pg_event_trigger WHERE evtname IN "
	                          "('cbcache_ddl_end', 'cbcache_sql_drop') AND evtenabled <> 'D'");
	int n = -1;
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		n = PQgetvalue(res, 0, 0)[0] == '2' ? 1 : 0;
	else {
		char msg[512];
		message_of(c, res, msg, sizeof(msg));
		cb_fail(err, "reading pg_event_trigger failed: %s", msg);
	}
	PQclear(res);
	PQfinish(c);
	return n;
}

bool inst_uninstall(const char *conninfo, const char *instance, void (*say)(const char *line), cb_error *err)
{
	char line[600], name[64];
	stream_object_name(instance, name, sizeof(name));
	stream_settings s = {.conninfo = conninfo, .instance = instance};
	bool slot = false, pub = false;
	if (!stream_drop(&s, &slot, &pub, err))
		return false;
	snprintf(line, sizeof(line), "replication slot %s: %s", name, slot ? "dropped" : "did not exist");
	say(line);
	snprintf(line, sizeof(line), "publication %s: %s", name, pub ? "dropped" : "did not exist");
	say(line);

	PGconn *c = NULL;
	if (!pgconn_connect(conninfo, &c, err))
		return false;
	PGresult *res = PQexec(c, "SELECT string_agg(slot_name, ', ') FROM pg_catalog.pg_replication_slots WHERE "
	                          "slot_name LIKE 'cbcache\\_%' AND database = current_database()");
	bool ok = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	if (!ok) {
		char msg[512];
		message_of(c, res, msg, sizeof(msg));
		cb_fail(err, "reading pg_replication_slots failed: %s", msg);
	} else if (!PQgetisnull(res, 0, 0)) {
		snprintf(line, sizeof(line), "DDL event triggers kept: other cbcached instances stream from %s",
		         PQgetvalue(res, 0, 0));
		say(line);
	} else {
		char fix[sizeof(uninstall_sql) + 128];
		snprintf(fix, sizeof(fix), "run these statements as a superuser:\n%s", uninstall_sql);
		ok = run_script(c, uninstall_sql, "dropping the DDL event triggers", fix, err);
		if (ok)
			say("DDL event triggers dropped (none was left in use)");
	}
	PQclear(res);
	PQfinish(c);
	return ok;
}
