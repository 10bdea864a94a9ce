/* eval_external.c: external evaluators (--evaluator NAME=COMMAND).
 *
 * For each sampled continuation, COMMAND runs as `/bin/sh -c COMMAND` in its
 * own process group with the continuation's bytes on stdin (a socket; the
 * text never reaches the command line or the environment, so it cannot
 * inject shell syntax) and LOGITSCOPE_SAMPLE=i in its environment. Its
 * stdout must hold exactly one finite number (surrounding whitespace
 * allowed); its stderr passes through. A command that does not finish
 * within the timeout is killed with its whole process group.
 * Errors: a non-number or a failing command -> LS_EDATA; timeout -> LS_ELIMIT.
 * Children are created with fork/execve; every descriptor the parent opens
 * is close-on-exec; SIGPIPE is avoided with send(MSG_NOSIGNAL). */
#include "eval/eval_impl.h"
#include "base/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define OUT_MAX 4096

static void kill_group(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
}

/* Wait for pid until the deadline; 1 if reaped (status in *st). */
static int wait_until(pid_t pid, int *st, double deadline)
{
    for (;;) {
        pid_t w = waitpid(pid, st, WNOHANG);
        if (w == pid) return 1;
        if (w < 0 && errno != EINTR) return 1;
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
    if (!envp) return ls_fail(err, LS_ELIMIT, "out of memory");
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

/* Write text to the child and read its stdout until it closes stdout or the
 * deadline passes; closes both descriptors. Returns 1 on timeout. */
static int exchange(int wfd, int rfd, const char *text, size_t len, double deadline, struct ext_out *o)
{
    size_t off = 0;
    int timed_out = 0;
    if (len == 0) { close(wfd); wfd = -1; }
    while (rfd >= 0) {
        struct pollfd pf[2];
        int np = 0;
        pf[np].fd = rfd; pf[np].events = POLLIN; pf[np].revents = 0; np++;
        if (wfd >= 0) { pf[np].fd = wfd; pf[np].events = POLLOUT; pf[np].revents = 0; np++; }
        double left = deadline - clock_s();
        if (left <= 0) { timed_out = 1; break; }
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
            if (n > 0) {
                size_t c = (size_t)n;
                if (o->len + c > OUT_MAX) { o->too_long = 1; c = OUT_MAX - o->len; }
                memcpy(o->buf + o->len, tmp, c);
                o->len += c;
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                close(rfd);
                rfd = -1;
            }
        }
    }
    if (wfd >= 0) close(wfd);
    if (rfd >= 0) close(rfd);
    return timed_out;
}

/* The one finite number the command printed. */
static int parse_score(const char *name, uint32_t sample, struct ext_out *o, double *score, struct ls_error *err)
{
    char *obuf = o->buf;
    size_t olen = o->len;
    obuf[olen] = 0;
    char *p = obuf;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    char *e = NULL;
    errno = 0;
    double v = (*p && !o->too_long && !memchr(obuf, 0, olen)) ? strtod(p, &e) : NAN;
    if (e) while (*e == ' ' || *e == '\t' || *e == '\n' || *e == '\r') e++;
    if (!e || e == p || *e || errno == ERANGE || !isfinite(v)) {
        size_t l = strcspn(obuf, "\n");
        const char *rest = obuf + l;
        while (*rest == '\n' || *rest == '\r' || *rest == ' ' || *rest == '\t') rest++;
        return ls_fail(err, LS_EDATA, "evaluator %s: expected one number on stdout for sample %u, got '%.*s'%s",
                       name, sample, (int)(l > 60 ? 60 : l), obuf, (l > 60 || *rest || o->too_long) ? "..." : "");
    }
    *score = v;
    return LS_OK;
}

static int ext_run(const char *name, const char *command, const char *text, size_t len, double timeout,
                   const char *hint, uint32_t sample, const char *const *extra, double *score,
                   struct ls_error *err)
{
    pid_t pid = -1;
    int wfd = -1, rfd = -1;
    int rc = spawn(name, command, sample, extra, &pid, &wfd, &rfd, err);
    if (rc) return rc;
    struct ext_out o;
    o.len = 0;
    o.too_long = 0;
    double deadline = clock_s() + timeout;
    int timed_out = exchange(wfd, rfd, text, len, deadline, &o);
    int st = 0;
    if (!timed_out && !wait_until(pid, &st, deadline)) timed_out = 1;
    if (timed_out) {
        kill_group(pid);
        waitpid(pid, &st, 0);
        return ls_fail(err, LS_ELIMIT, "evaluator %s: timed out after %g s on sample %u%s%s%s",
                       name, timeout, sample, hint ? " (" : "", hint ? hint : "", hint ? ")" : "");
    }
    kill(-pid, SIGKILL); /* stragglers left in the command's process group */
    if (WIFSIGNALED(st))
        return ls_fail(err, LS_EDATA, "evaluator %s: command killed by signal %d on sample %u",
                       name, WTERMSIG(st), sample);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return ls_fail(err, LS_EDATA, "evaluator %s: command exited with status %d on sample %u",
                       name, WIFEXITED(st) ? WEXITSTATUS(st) : -1, sample);
    return parse_score(name, sample, &o, score, err);
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
        a->ext_sum[j] += v;
        a->ext_n[j]++;
    }
    return LS_OK;
}

static int finish(const void *state, const struct eval_run *r, struct eval_acc *a, struct ls_error *err)
{
    (void)state; (void)err;
    for (int j = 0; j < r->cfg.n_ext; j++) {
        uint32_t n = a->ext_n[j];
        a->sc.ext_mean[j] = n ? a->ext_sum[j] / n : NAN;
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
