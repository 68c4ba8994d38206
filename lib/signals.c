/* signals: one handler setting one flag per kind of signal (signals.h). */
#include <poll.h>
#include <string.h>
#include <time.h>

#include "signals.h"

volatile sig_atomic_t signal_stop, signal_reload, signal_child;

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		signal_reload = 1;
	else if (sig == SIGCHLD)
		signal_child = 1;
	else
		signal_stop = 1;
}

void
signals_catch(const int *sigs, sigset_t *open_mask)
{
	struct sigaction sa;
	sigset_t block;

	signal_stop = signal_reload = signal_child = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&block);
	for (; *sigs != 0; sigs++) {
		sigaction(*sigs, &sa, NULL);
		sigaddset(&block, *sigs);
	}
	if (open_mask != NULL)
		sigprocmask(SIG_BLOCK, &block, open_mask);
}

void
signals_sleep(long long ms, const sigset_t *open_mask)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	if (!signal_stop && !signal_reload && !signal_child)
		ppoll(NULL, 0, ms < 0 ? NULL : &ts, open_mask);
}
