/* lastgood: the configuration the scheduler last loaded, kept where per-connection handlers can
 * answer with it while the file they read at every connection is broken. */
#ifndef OCSP_PROXY_LASTGOOD_H
#define OCSP_PROXY_LASTGOOD_H

#include "config.h"
#include "err.h"

#define LASTGOOD_ENV "OCSP_PROXY_LAST_GOOD"
/* The scheduler unit's RuntimeDirectory: readable by the handlers' group, gone at reboot. */
#define LASTGOOD_DEFAULT "/run/ocsp-proxy/last-good.conf"

/* $OCSP_PROXY_LAST_GOOD, else LASTGOOD_DEFAULT. */
const char *lastgood_path(void);

/* Copies the file cfg was loaded from to lastgood_path(), mode 0640 (it may hold a password),
 * written whole and renamed into place, after checking the copy loads. Its first line names the
 * source. 0 ok, -1 with err (ERR_IO: no such directory, outside the shipped units). */
int lastgood_save(const struct config *cfg, struct err *err);

/* Loads the last good copy of the configuration at path (NULL: $OCSP_PROXY_CONFIG or the
 * default, as config_load) into cfg: 0 ok, -1 when there is none for that file or it does not
 * load. *saved gets the copy's modification time. */
int lastgood_load(struct config *cfg, const char *path, time_t *saved);

#endif
