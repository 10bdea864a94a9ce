/* load_raw.c: PLACEHOLDER until the formats work lands (issue 3). */
#include "source.h"

int load_raw(const char *path, const struct source_opts *opts, struct source **out, struct ls_error *err)
{
    (void)path; (void)opts; (void)out;
    return ls_fail(err, LS_EDATA, "format raw is not supported yet");
}
