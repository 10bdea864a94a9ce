/* signals.h: signal handling while the explorer runs.
 *
 * SIGINT, SIGTERM and SIGHUP set a flag the main loop polls (it wakes at
 * least every 250 ms); the loop restores the terminal and then re-raises
 * the signal with its default action, so the exit status still says which
 * signal ended us. SIGTSTP and SIGWINCH stay with ncurses (suspend and
 * resume with a repaint; KEY_RESIZE). Fatal signals (SEGV, BUS, FPE, ILL,
 * ABRT) restore the terminal, print one line, restore the previous handler
 * (so a sanitizer's still runs) and re-raise. Install after newterm(). */
#ifndef LS_TUI_SIGNALS_H
#define LS_TUI_SIGNALS_H

void signals_install(void);
/* The pending terminating signal, 0 if none. */
int signals_pending(void);
/* Forget a pending signal (Ctrl-C that only cancelled the prompt). */
void signals_clear(void);
/* Restore default dispositions and re-raise sig (after cleanup). */
void signals_reraise(int sig);

#endif
