/* signals: the one signal handler the daemons share and the flags it sets. The flags are the
 * only process-wide state besides the configuration: a signal handler can reach nothing else. */
#ifndef OCSP_PROXY_SIGNALS_H
#define OCSP_PROXY_SIGNALS_H

#include <signal.h>

extern volatile sig_atomic_t signal_stop;    /* SIGTERM or SIGINT came */
extern volatile sig_atomic_t signal_reload;  /* SIGHUP came */
extern volatile sig_atomic_t signal_child;   /* SIGCHLD came */

/* Catches the signals of sigs (0 ends the list) with that handler, without SA_RESTART so a wait
 * is interrupted, and clears the flags (a forked worker starts with none). With open_mask, also
 * blocks them and stores the mask to wait with (ppoll, epoll_pwait) there, so no signal is lost
 * between checking a flag and sleeping. */
void signals_catch(const int *sigs, sigset_t *open_mask);

/* Sleeps up to ms (-1: no limit) with open_mask, waking at once for a signal; returns at once
 * when a flag is already set. Signals are blocked outside it, and ppoll unblocks them
 * atomically, so none is lost between the check and the sleep. */
void signals_sleep(long long ms, const sigset_t *open_mask);

#endif
