/* eval_external.c: external evaluators (--evaluator NAME=COMMAND).
 *
 * For each sampled continuation, COMMAND runs as `/bin/sh -c COMMAND` in its
 * own process group with the continuation's bytes on stdin (a socket; the
 * text never reaches the command line or the environment, so it cannot
 * inject shell syntax) and LOGITSCOPE_SAMPLE=i in its environment. Its
 * stdout must hold exactly one finite decimal number (surrounding
 * whitespace allowed; no hex, no inf/nan); its stderr passes through.
 * Errors: a non-number, more than OUT_MAX bytes of output ("too much
 * output": the command is killed at once) or a failing command -> LS_EDATA;
 * timeout -> LS_ELIMIT; a wait that fails (ECHILD) -> LS_EINTERNAL.
 *
 * What is cleaned up after each command (finished, failed or timed out):
 * - its process group (SIGKILL): everything it started that stayed in it;
 * - on Linux, descendants that left the group or the session (setsid,
 *   setpgid) once their parent has died: logitscope is a child subreaper
 *   (PR_SET_CHILD_SUBREAPER), so such orphans become its children and are
 *   killed with their groups when no other command is running; a
 *   descendant whose parent still lives in another session is killed once
 *   that parent has been;
 * - not cleaned up: a descendant that double-forks out of reach while its
 *   parent lives on elsewhere, anything handed to another process (a
 *   service manager, `at`, a daemon), and on systems without a subreaper
 *   (or without /proc/self/task/T/children) anything outside the group.
 * Children are created with fork/execve; every descriptor the parent opens
 * is close-on-exec; SIGPIPE is avoided with send(MSG_NOSIGNAL). The
 * program's main resets an inherited SIGCHLD = SIG_IGN (which would make
 * waitpid fail with ECHILD and lose the exit status). */
#include "eval/eval_impl.h"
#include "base/clock.h"
#include "base/parse.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

extern char **environ;

#define OUT_MAX 4096

static void kill_group(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

/* Commands running now (all threads): orphans are swept when none is. */
static pthread_mutex_t active_mu = PTHREAD_MUTEX_INITIALIZER;
static int n_active;

static void subreaper_once(void)
{
#if defined(__linux__) && defined(PR_SET_CHILD_SUBREAPER)
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
#endif
}

/* Kill and reap every child listed in one /proc/self/task/T/children
 * file (orphans adopted as subreaper); the number found. */
static int kill_children_of(const char *task)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/self/task/%.40s/children", task);
    FILE *f = fopen(path, "re");
    if (!f) return 0;
    int n = 0;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1) {
        if (pid <= 1) continue;
        kill(-(pid_t)pid, SIGKILL);
        kill((pid_t)pid, SIGKILL);
        int st;
        while (waitpid((pid_t)pid, &st, 0) < 0 && errno == EINTR) continue;
        n++;
    }
    fclose(f);
    return n;
}

/* Kill the orphans adopted from finished commands, repeatedly: killing one
 * orphans its own children, which then become ours (bounded rounds). Only
 * when no command is running, so no live command's process is touched. */
static void sweep_orphans(void)
{
    for (int round = 0; round < 32; round++) {
        DIR *d = opendir("/proc/self/task");
        if (!d) return;
        int n = 0;
        for (struct dirent *e; (e = readdir(d));)
            if (e->d_name[0] != '.') n += kill_children_of(e->d_name);
        closedir(d);
        if (!n) return;
    }
}

static void active_enter(void)
{
    pthread_mutex_lock(&active_mu);
    if (n_active++ == 0) subreaper_once();
    pthread_mutex_unlock(&active_mu);
}

/* Called after the command's own pid was reaped. */
static void active_leave(void)
{
    pthread_mutex_lock(&active_mu);
    if (--n_active == 0) sweep_orphans();
    pthread_mutex_unlock(&active_mu);
}

/* Wait for pid until the deadline: 1 reaped (status in *st), 0 deadline
 * passed, -1 waitpid failed (errno kept: ECHILD when SIGCHLD is ignored). */
static int wait_until(pid_t pid, int *st, double deadline)
{
    for (;;) {
        pid_t w = waitpid(pid, st, WNOHANG);
        if (w == pid) return 1;
        if (w < 0 && errno != EINTR) return -1;
        if (clock_s() >= deadline) return 0;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}

/* The environment for a child: ours without LOGITSCOPE_SAMPLE, plus
 * LOGITSCOPE_SAMPLE=sample (envvar holds its text) and the caller's extra
 * "NAME=VALUE" strings (eval_config.ext_env, e.g. a dataset row's
 * LOGITSCOPE_REFERENCE), which replace inherited ones of the same NAME. */
static int env_overridden(const char *e, const char *const *extra)
{
    if (!strncmp(e, "LOGITSCOPE_SAMPLE=", 18)) return 1;
    for (size_t j = 0; extra && extra[j]; j++) {
        size_t l = strcspn(extra[j], "=");
        if (!strncmp(e, extra[j], l) && e[l] == '=') return 1;
    }
    return 0;
}

static char **child_env(uint32_t sample, const char *const *extra, char *envvar, size_t envsz)
{
    snprintf(envvar, envsz, "LOGITSCOPE_SAMPLE=%u", sample);
    size_t ne = 0, nx = 0;
    while (environ && environ[ne]) ne++;
    while (extra && extra[nx]) nx++;
    char **envp = malloc((ne + nx + 2) * sizeof *envp);
    if (!envp) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < ne; i++)
        if (!env_overridden(environ[i], extra)) envp[k++] = environ[i];
    for (size_t j = 0; j < nx; j++) envp[k++] = (char *)(uintptr_t)extra[j];
    envp[k++] = envvar;
    envp[k] = NULL;
    return envp;
}

/* Start /bin/sh -c command in its own process group, stdin from a socket
 * (*wfd: our end) and stdout to a pipe (*rfd: our end, non-blocking). */
static int spawn(const char *name, const char *command, uint32_t sample, const char *const *extra,
                 pid_t *pid, int *wfd, int *rfd, struct ls_error *err)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    char envvar[64];
    char **envp = child_env(sample, extra, envvar, sizeof envvar);
    if (!envp) return ls_oom(err);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) || pipe(out)) {
        int e = errno;
        free(envp);
        if (in[0] >= 0) { close(in[0]); close(in[1]); }
        return ls_fail(err, LS_ELIMIT, "evaluator %s: cannot create pipes: %s", name, strerror(e));
    }
    fcntl(out[0], F_SETFD, FD_CLOEXEC);
    fcntl(out[1], F_SETFD, FD_CLOEXEC);
    char a0[] = "sh", a1[] = "-c";
    char *cmd = strdup(command);
    char *const argv[] = { a0, a1, cmd, NULL };
    *pid = cmd ? fork() : -1;
    if (*pid < 0) {
        int e = cmd ? errno : ENOMEM;
        free(envp);
        free(cmd);
        close(in[0]); close(in[1]); close(out[0]); close(out[1]);
        return ls_fail(err, LS_ELIMIT, "evaluator %s: cannot start: %s", name, strerror(e));
    }
    if (*pid == 0) {
        setpgid(0, 0);
        if (dup2(in[1], 0) < 0 || dup2(out[1], 1) < 0) _exit(127);
        execve("/bin/sh", argv, envp);
        _exit(127);
    }
    setpgid(*pid, *pid);
    free(envp);
    free(cmd);
    close(in[1]);
    close(out[1]);
    fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
    *wfd = in[0];
    *rfd = out[0];
    return LS_OK;
}

/* The child's stdout, at most OUT_MAX bytes kept. */
struct ext_out { char buf[OUT_MAX + 1]; size_t len; int too_long; };

enum ext_end { EXT_DONE, EXT_TIMEOUT, EXT_TOO_MUCH };

/* Append one read's bytes; 1 once more than OUT_MAX arrived (the command
 * is then stopped: `yes` would otherwise run into the timeout). */
static int keep_output(struct ext_out *o, const char *tmp, size_t c)
{
    if (o->len + c > OUT_MAX) { o->too_long = 1; c = OUT_MAX - o->len; }
    memcpy(o->buf + o->len, tmp, c);
    o->len += c;
    return o->too_long;
}

/* Write text to the child and read its stdout until it closes stdout, the
 * deadline passes or it printed too much; closes both descriptors. */
static enum ext_end exchange(int wfd, int rfd, const char *text, size_t len, double deadline, struct ext_out *o)
{
    size_t off = 0;
    enum ext_end end = EXT_DONE;
    if (len == 0) { close(wfd); wfd = -1; }
    while (rfd >= 0 && end == EXT_DONE) {
        struct pollfd pf[2];
        int np = 0;
        pf[np].fd = rfd; pf[np].events = POLLIN; pf[np].revents = 0; np++;
        if (wfd >= 0) { pf[np].fd = wfd; pf[np].events = POLLOUT; pf[np].revents = 0; np++; }
        double left = deadline - clock_s();
        if (left <= 0) { end = EXT_TIMEOUT; break; }
        int ms = left > 1e6 ? 1000000000 : (int)(left * 1000.0) + 1;
        int pr = poll(pf, (nfds_t)np, ms);
        if (pr < 0) { if (errno == EINTR) continue; break; }
        if (pr == 0) continue;
        if (wfd >= 0 && pf[1].revents) {
            ssize_t w = send(wfd, text + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0) off += (size_t)w;
            if ((w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) || off == len) {
                close(wfd);   /* done, or the command stopped reading: EOF for it */
                wfd = -1;
            }
        }
        if (pf[0].revents) {
            char tmp[4096];
            ssize_t n = read(rfd, tmp, sizeof tmp);
            if (n > 0 && keep_output(o, tmp, (size_t)n)) end = EXT_TOO_MUCH;
            else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { close(rfd); rfd = -1; }
        }
    }
    if (wfd >= 0) close(wfd);
    if (rfd >= 0) close(rfd);
    return end;
}

/* strchr(" \t\n\r", c) would also match c == 0 (the terminator) */
static int is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* The output's first line, as written: at most 60 bytes, a NUL shown as
 * \0 (the message is a C string; other bytes are escaped when shown). */
static void output_quote(const struct ext_out *o, char *q, size_t qsz, int *more)
{
    size_t l = 0, k = 0;
    while (l < o->len && o->buf[l] != '\n') l++;
    size_t shown = l > 60 ? 60 : l;
    for (size_t i = 0; i < shown && k + 3 < qsz; i++) {
        if (o->buf[i] == 0) { q[k++] = '\\'; q[k++] = '0'; }
        else q[k++] = o->buf[i];
    }
    q[k] = 0;
    size_t r = l;
    while (r < o->len && is_blank(o->buf[r])) r++;
    *more = l > 60 || r < o->len || o->too_long;
}

/* The one finite decimal number the command printed (base/parse.h's
 * parser: no hex, no inf/nan), blanks around it allowed. */
static int parse_score(const char *name, uint32_t sample, struct ext_out *o, double *score, struct ls_error *err)
{
    o->buf[o->len] = 0;
    size_t b = 0, e = o->len;
    while (b < e && is_blank(o->buf[b])) b++;
    while (e > b && is_blank(o->buf[e - 1])) e--;
    char num[64];
    struct ls_error pe = {0};
    int ok = !o->too_long && e > b && e - b < sizeof num && !memchr(o->buf + b, 0, e - b);
    if (ok) {
        memcpy(num, o->buf + b, e - b);
        num[e - b] = 0;
        ok = parse_double(num, -INFINITY, INFINITY, score, &pe) == LS_OK;
    }
    if (ok) return LS_OK;
    char q[130];
    int more;
    output_quote(o, q, sizeof q, &more);
    return ls_fail(err, LS_EDATA, "evaluator %s: expected one number on stdout for sample %u, got '%s'%s",
                   name, sample, q, more ? "..." : "");
}

/* The command ended (reaped, status st): its verdict. */
static int ext_verdict(const char *name, uint32_t sample, int st, struct ext_out *o, double *score,
                       struct ls_error *err)
{
    if (WIFSIGNALED(st))
        return ls_fail(err, LS_EDATA, "evaluator %s: command killed by signal %d on sample %u",
                       name, WTERMSIG(st), sample);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return ls_fail(err, LS_EDATA, "evaluator %s: command exited with status %d on sample %u",
                       name, WIFEXITED(st) ? WEXITSTATUS(st) : -1, sample);
    return parse_score(name, sample, o, score, err);
}

static int ext_wait(const char *name, pid_t pid, enum ext_end end, double deadline, int *st,
                    struct ls_error *err)
{
    int w = end == EXT_DONE ? wait_until(pid, st, deadline) : 0;
    if (w < 0) {
        int e = errno;
        kill_group(pid);
        return ls_fail(err, LS_EINTERNAL, "evaluator %s: cannot wait for the command: %s (internal error)",
                       name, strerror(e));
    }
    if (w == 0) {
        kill_group(pid);
        while (waitpid(pid, st, 0) < 0 && errno == EINTR) continue;
        return end == EXT_TOO_MUCH ? LS_EDATA : LS_ELIMIT;
    }
    kill(-pid, SIGKILL); /* stragglers left in the command's process group */
    return LS_OK;
}

static int ext_run(const char *name, const char *command, const char *text, size_t len, double timeout,
                   const char *hint, uint32_t sample, const char *const *extra, double *score,
                   struct ls_error *err)
{
    pid_t pid = -1;
    int wfd = -1, rfd = -1;
    active_enter();
    int rc = spawn(name, command, sample, extra, &pid, &wfd, &rfd, err);
    if (rc) { active_leave(); return rc; }
    struct ext_out o;
    o.len = 0;
    o.too_long = 0;
    double deadline = clock_s() + timeout;
    enum ext_end end = exchange(wfd, rfd, text, len, deadline, &o);
    int st = 0;
    rc = ext_wait(name, pid, end, deadline, &st, err);
    active_leave();
    if (rc == LS_ELIMIT)
        return ls_fail(err, LS_ELIMIT, "evaluator %s: timed out after %g s on sample %u%s%s%s",
                       name, timeout, sample, hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
    if (rc == LS_EDATA)
        return ls_fail(err, LS_EDATA, "evaluator %s: too much output on sample %u (more than %d bytes on stdout; "
                       "expected one number)", name, sample, OUT_MAX);
    if (rc) return rc;
    return ext_verdict(name, sample, st, &o, score, err);
}

int eval_external_run(const char *name, const char *command, const char *text, size_t len,
                      double timeout, uint32_t sample, double *score, struct ls_error *err)
{
    return ext_run(name, command, text, len, timeout, NULL, sample, NULL, score, err);
}

static int sample(const void *state, const struct eval_run *r, struct eval_acc *a, uint32_t i,
                  const char *text, size_t len, struct ls_error *err)
{
    (void)state;
    for (int j = 0; j < r->cfg.n_ext; j++) {
        double v;
        int rc = ext_run(r->cfg.ext[j].name, r->cfg.ext[j].command, text, len,
                         r->cfg.ext_timeout, r->cfg.timeout_hint, i, r->cfg.ext_env, &v, err);
        if (rc) return rc;
        if (a->ext_n[j] == 0 || v < a->ext_min[j]) a->ext_min[j] = v;
        if (a->ext_n[j] == 0 || v > a->ext_max[j]) a->ext_max[j] = v;
        a->ext_n[j]++;
        /* running mean: finite for any finite scores (a sum of 1e308s is not) */
        a->ext_mean[j] += v / a->ext_n[j] - a->ext_mean[j] / a->ext_n[j];
    }
    return LS_OK;
}

static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)state; (void)err;
    for (int j = 0; j < r->cfg.n_ext; j++) {
        uint32_t n = a->ext_n[j];
        a->sc.ext_mean[j] = n ? a->ext_mean[j] : NAN;
        a->sc.ext_min[j] = n ? a->ext_min[j] : NAN;
        a->sc.ext_max[j] = n ? a->ext_max[j] : NAN;
    }
    return LS_OK;
}

const struct evaluator eval_ext = {
    .name = "external",
    .keys = "",
    .definition =
    "External evaluator (--evaluator NAME=COMMAND, repeatable): COMMAND runs once per "
    "sampled continuation as /bin/sh -c COMMAND with the continuation's bytes on stdin "
    "(never on the command line) and LOGITSCOPE_SAMPLE set to its index (in `dataset eval` "
    "also the row's LOGITSCOPE_ROW_ID, LOGITSCOPE_VERSION, LOGITSCOPE_REFERENCE and "
    "LOGITSCOPE_EXPECTED, see `logitscope dataset --help`); stdout must hold "
    "one number. The key NAME holds the mean over the N continuations (min and max under "
    "\"external\"). A non-number or a non-zero exit stops the run (exit 4); a command "
    "running longer than --evaluator-timeout seconds (default 10) is killed with its "
    "process group (exit 5).",
    .sample = sample,
    .finish = finish,
};
