/* signals.c: terminating and fatal signals (see signals.h). */
#include "signals.h"
#include "screen.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t pending;
static const int term_sigs[] = { SIGINT, SIGTERM, SIGHUP };
static const int fatal_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
static struct sigaction old_fatal[sizeof fatal_sigs / sizeof fatal_sigs[0]];

static void on_term(int sig)
{
    pending = sig;
}

static void on_fatal(int sig)
{
    screen_emergency();
    static const char msg[] = "logitscope: fatal signal; terminal restored\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    for (size_t i = 0; i < sizeof fatal_sigs / sizeof fatal_sigs[0]; i++)
        if (fatal_sigs[i] == sig) sigaction(sig, &old_fatal[i], NULL);
    raise(sig);
}

void signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    /* no SA_RESTART: a blocking read returns so the flag is seen at once */
    sa.sa_handler = on_term;
    for (size_t i = 0; i < sizeof term_sigs / sizeof term_sigs[0]; i++) sigaction(term_sigs[i], &sa, NULL);
    sa.sa_handler = on_fatal;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    for (size_t i = 0; i < sizeof fatal_sigs / sizeof fatal_sigs[0]; i++) sigaction(fatal_sigs[i], &sa, &old_fatal[i]);
    signal(SIGPIPE, SIG_IGN);
}

int signals_pending(void)
{
    return pending;
}

void signals_clear(void)
{
    pending = 0;
}

void signals_reraise(int sig)
{
    signal(sig, SIG_DFL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    raise(sig);
}
