/*
 * loop - the live agent's one loop: epoll over signalfd (SIGTERM, SIGINT
 * stop; SIGHUP reloads), a 1 s CLOCK_MONOTONIC timerfd and inotify.
 * Nothing blocks but epoll_wait. Each wake reads what came, then, when
 * the timer fired, ticks the engine with wall time minus the slack
 * (RULE_SLACK_MS_DEFAULT): the seconds a tick closes have their lines in.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "agent/log.h"
#include "agent/run.h"

int64_t
run_clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
run_open_fds(struct run *r)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;
	int fds[3];

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (r->sfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1 ||
	    (r->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) == -1 ||
	    timerfd_settime(r->tfd, 0, &its, NULL) == -1 ||
	    (r->ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    (r->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		return -1;
	fds[0] = r->sfd;
	fds[1] = r->tfd;
	fds[2] = r->ino;
	for (int i = 0; i < 3; i++) {
		ev.data.fd = fds[i];
		if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fds[i], &ev) == -1)
			return -1;
	}
	return 0;
}

/* One signal; false to stop. */
static bool
on_signal(struct run *r)
{
	struct signalfd_siginfo si;

	if (read(r->sfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return true;
	if (si.ssi_signo == SIGHUP) {
		run_reload(r);
		return true;
	}
	log_info("stopping on signal %u", si.ssi_signo);
	return false;
}

/* The 1 s timer: true when it fired (a tick is due once the files are
 * read); every RUN_RESCAN_SEC, globs are looked at again. */
static bool
on_timer(struct run *r, uint64_t *ticks)
{
	uint64_t n;

	if (read(r->tfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return false;
	*ticks += n;
	if (*ticks % RUN_RESCAN_SEC == 0)
		run_scan(r, true);
	return true;
}

void
run_loop(struct run *r)
{
	uint64_t ticks = 0;
	bool more = run_drain_all(r);
	char buf[16384];

	for (;;) {
		struct epoll_event ev[4];
		int n = epoll_wait(r->ep, ev, 4, more ? 0 : -1);
		bool tick = false;

		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		for (int i = 0; i < n; i++) {
			if (ev[i].data.fd == r->sfd && !on_signal(r))
				return;
			if (ev[i].data.fd == r->tfd)
				tick |= on_timer(r, &ticks);
			if (ev[i].data.fd == r->ino)
				while (read(r->ino, buf, sizeof(buf)) > 0)
					; /* which file does not matter */
		}
		/* Read what came, then tick: the seconds it closes have
		 * their lines in. */
		more = run_drain_all(r);
		if (tick)
			engine_tick(r->engine,
			    run_clock_ms(CLOCK_REALTIME) -
				RULE_SLACK_MS_DEFAULT);
		fflush(stdout);
	}
}
