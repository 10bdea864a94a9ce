/* test_fileio.c: file_write_new, the rules for files the user names
 * (:export, :dump-screen): never the protected (open) file, never an
 * existing file unless forced, a replaced file keeps its mode, new files
 * get the umask, nothing is left behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <dirent.h>

static char dir[64];

static void path_in(char *buf, size_t sz, const char *name) { snprintf(buf, sz, "%s/%s", dir, name); }

static void put(const char *name, const char *text, mode_t mode)
{
    char p[128];
    path_in(p, sizeof p, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(p, mode);
}

static int entries(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void slurp(const char *name, char *buf, size_t sz)
{
    char p[128];
    path_in(p, sizeof p, name);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sz - 1, f);
    buf[n] = 0;
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/ls_fileio_XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void never_the_protected_file(void **state)
{
    (void)state;
    char in[128], link_p[128], buf[64];
    put("in.npy", "input", 0640);
    path_in(in, sizeof in, "in.npy");
    path_in(link_p, sizeof link_p, "link.npy");
    assert_int_equal(symlink("in.npy", link_p), 0);
    struct file_id id;
    assert_int_equal(file_id_of(in, &id), 0);
    struct stat before, after;
    stat(in, &before);
    enum file_refusal why;
    struct ls_error e = {0};
    for (int force = 0; force < 2; force++) {
        assert_int_equal(file_write_new(in, "x", 1, force, &id, 1, &why, &e), LS_EUSAGE);
        assert_int_equal(why, FILE_REFUSED_PROTECTED);
        assert_string_equal(e.msg, "is the open file; never overwritten");
        assert_int_equal(file_write_new(link_p, "x", 1, force, &id, 1, &why, &e), LS_EUSAGE);
        assert_int_equal(why, FILE_REFUSED_PROTECTED);
    }
    stat(in, &after);
    assert_true(before.st_ino == after.st_ino && before.st_mode == after.st_mode);
    slurp("in.npy", buf, sizeof buf);
    assert_string_equal(buf, "input");
    assert_int_equal(entries(), 2);
}

static void existing_only_when_forced(void **state)
{
    (void)state;
    char p[128], l[128], buf[64];
    put("other.json", "old", 0604);
    path_in(p, sizeof p, "other.json");
    enum file_refusal why;
    struct ls_error e = {0};
    assert_int_equal(file_write_new(p, "new", 3, 0, NULL, 0, &why, &e), LS_EUSAGE);
    assert_int_equal(why, FILE_REFUSED_EXISTS);
    assert_string_equal(e.msg, "file exists; not overwritten");
    slurp("other.json", buf, sizeof buf);
    assert_string_equal(buf, "old");
    assert_int_equal(file_write_new(p, "new", 3, 1, NULL, 0, &why, &e), LS_OK);
    slurp("other.json", buf, sizeof buf);
    assert_string_equal(buf, "new");
    struct stat st;
    stat(p, &st);
    assert_int_equal(st.st_mode & 07777, 0604);
    /* forced through a link: the link stays, its target is replaced */
    path_in(l, sizeof l, "via.json");
    assert_int_equal(symlink("other.json", l), 0);
    assert_int_equal(file_write_new(l, "again", 5, 1, NULL, 0, &why, &e), LS_OK);
    struct stat ls;
    assert_int_equal(lstat(l, &ls), 0);
    assert_true(S_ISLNK(ls.st_mode));
    slurp("other.json", buf, sizeof buf);
    assert_string_equal(buf, "again");
    /* not a regular file: never replaced */
    assert_int_equal(file_write_new(dir, "x", 1, 1, NULL, 0, &why, &e), LS_EUSAGE);
    assert_int_equal(why, FILE_REFUSED_NOT_REGULAR);
    assert_string_equal(e.msg, "not a regular file; not overwritten");
    /* a dangling link is not followed, forced or not */
    char dl[128];
    path_in(dl, sizeof dl, "dangling.json");
    assert_int_equal(symlink("missing.json", dl), 0);
    assert_int_equal(file_write_new(dl, "x", 1, 1, NULL, 0, &why, &e), LS_EUSAGE);
    assert_int_equal(why, FILE_REFUSED_NOT_REGULAR);
    assert_string_equal(e.msg, "a link to a missing file; not written");
    char missing[140];
    path_in(missing, sizeof missing, "missing.json");
    assert_int_equal(access(missing, F_OK), -1);
}

static void new_file_gets_the_umask(void **state)
{
    (void)state;
    char p[128], buf[64];
    path_in(p, sizeof p, "fresh.json");
    mode_t old = umask(027);
    enum file_refusal why;
    struct ls_error e = {0};
    int rc = file_write_new(p, "data", 4, 0, NULL, 0, &why, &e);
    umask(old);
    assert_int_equal(rc, LS_OK);
    struct stat st;
    stat(p, &st);
    assert_int_equal(st.st_mode & 07777, 0640);
    slurp("fresh.json", buf, sizeof buf);
    assert_string_equal(buf, "data");
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no/such/dir.json", dir);
    assert_int_equal(file_write_new(missing, "x", 1, 0, NULL, 0, &why, &e), LS_EREAD);
    assert_int_equal(why, FILE_REFUSED_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(never_the_protected_file, setup, teardown),
        cmocka_unit_test_setup_teardown(existing_only_when_forced, setup, teardown),
        cmocka_unit_test_setup_teardown(new_file_gets_the_umask, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
