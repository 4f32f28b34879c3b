/*
 * fault.h - named fault points, for tests that make a crash or a failed
 * write certain at one place instead of hoping to hit it.
 *
 * Functions prefix: cb_fault_
 *
 * DESIGN
 *
 * A point is a name at a place in the code (the list is CB_FAULT_POINTS in
 * fault.c; doc/admin.md "Fault injection" says where each one is).  In a
 * build configured with --enable-fault-injection (CB_FAULT_INJECTION),
 * the environment variable CB_FAULTS arms points when the process starts:
 *
 *     CB_FAULTS=point=action[:skip[:times]][,point=action...]
 *
 *   action  kill   the process ends with SIGKILL at the point (a crash)
 *           fail   the point fails as it says (a commit fails as on a full
 *                  disk); the caller takes its ordinary error path
 *           stop   the process stops itself with SIGSTOP at the point (every
 *                  thread); the test does what it wants to happen right
 *                  there (stops the backend, say) and sends SIGCONT; then
 *                  the point passes as if unarmed
 *   skip    passes let through before the action (default 0)
 *   times   passes acted on after that (default 1; 0 = every later pass)
 *
 * Without the option CB_FAULT() is the constant false: no code, no
 * getenv, and a CB_FAULTS setting is refused at start (cb_fault_init), so
 * a test never runs against a build that cannot do what it asks.
 */
#ifndef CB_FAULT_H
#define CB_FAULT_H

#include <stdbool.h>

#include "common/error.h"

/*
 * Read CB_FAULTS (once; cbcached calls it at start).  False with the
 * cause in err when the setting is malformed, names an unknown point, or
 * the build has no fault injection.
 */
bool cb_fault_init(cb_error *err);

/* Whether the point acts on this pass: true for `fail`; `kill` does not
 * return; `stop` returns false once continued.  Thread-safe. */
bool cb_fault_hit(const char *point);

#ifdef CB_FAULT_INJECTION
#define CB_FAULT(point) cb_fault_hit(point)
#else
#define CB_FAULT(point) false
#endif

#endif /* CB_FAULT_H */
