/*
 * daemon.h - forward typedefs shared by the modules of cbcached and its
 * tools (src/).
 *
 * Every function of src/ that can fail returns a status and fills a
 * cb_error (common/error.h) with a message that names the cause and the
 * fix.
 */
#ifndef CBD_DAEMON_H
#define CBD_DAEMON_H

#include <stdbool.h>
#include <stdio.h>

#include "common/contract.h"
#include "common/error.h"

typedef struct cfg_config cfg_config;
typedef struct sess_session sess_session;

#endif /* CBD_DAEMON_H */
